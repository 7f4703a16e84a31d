// A training thread: runs one trial at a time with packages/trainer, off the main thread, so CPU-bound
// training neither blocks the worker's Redis lock renewals nor shares one core between trials.
import { parentPort } from 'node:worker_threads';
import { type BackendChoice, DatasetCache, runTrial } from '@hypersweep/trainer';
import type { FromThread, ToThread } from './thread-protocol.js';

const port = parentPort!;
// Lives as long as the thread: the trials of a sweep that share a workload's data and seed upload it once.
const datasets = new DatasetCache();
let controller: AbortController | undefined;
let nextCallId = 0;
const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

function call(message: Omit<Extract<FromThread, { type: 'call' }>, 'callId'>): Promise<void> {
  const callId = nextCallId++;
  return new Promise((resolve, reject) => {
    pending.set(callId, { resolve, reject });
    port.postMessage({ ...message, callId } as FromThread);
  });
}

port.on('message', async (message: ToThread) => {
  if (message.type === 'ack') {
    const waiter = pending.get(message.callId);
    pending.delete(message.callId);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve();
    return;
  }
  if (message.type === 'abort') {
    controller?.abort(message.reason);
    return;
  }
  controller = new AbortController();
  const { config, options } = message;
  try {
    const result = await runTrial(config, {
      sink: (records) => call({ type: 'call', hook: 'sink', payload: records }),
      onEpoch: (record) => call({ type: 'call', hook: 'epoch', payload: record }),
      onCheckpoint: (checkpoint) => call({ type: 'call', hook: 'checkpoint', payload: checkpoint }),
      signal: controller.signal,
      checkpointEvery: options.checkpointEvery,
      ...(options.resumeFrom ? { resumeFrom: options.resumeFrom } : {}),
      backend: options.backend as BackendChoice,
      datasets,
      objective: options.objective,
    });
    port.postMessage({ type: 'done', result } satisfies FromThread);
  } catch (error) {
    const e = error as Error;
    port.postMessage({ type: 'error', name: e.name, message: e.message } satisfies FromThread);
  } finally {
    controller = undefined;
  }
});
