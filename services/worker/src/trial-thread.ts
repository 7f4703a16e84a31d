// A training thread: runs one trial, or one pack of trials, at a time with packages/trainer, off the main
// thread, so CPU-bound training neither blocks the worker's Redis lock renewals nor shares one core
// between runs.
import { parentPort } from 'node:worker_threads';
import {
  type BackendChoice,
  DatasetCache,
  runPackedTrials,
  runTrial,
  selectBackend,
  type TrialHooks,
  webgpuAdapterNote,
} from '@hypersweep/trainer';
import type { FromThread, PoolRunOptions, ThreadOutcome, ToThread } from './thread-protocol.js';

const port = parentPort!;
// Lives as long as the thread: the trials of a sweep that share a workload's data and seed upload it once.
const datasets = new DatasetCache();
/** One per trial of the run in progress. */
let controllers: AbortController[] = [];
let nextCallId = 0;
const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

type Call = Extract<FromThread, { type: 'call' }>;

function call(index: number, hook: Call['hook'], payload: Call['payload']): Promise<void> {
  const callId = nextCallId++;
  return new Promise((resolve, reject) => {
    pending.set(callId, { resolve, reject });
    port.postMessage({ type: 'call', callId, index, hook, payload } as Call);
  });
}

function hooksOf(index: number, options: PoolRunOptions, signal: AbortSignal): TrialHooks {
  return {
    sink: (records) => call(index, 'sink', records),
    onEpoch: (record) => call(index, 'epoch', record),
    onCheckpoint: (checkpoint) => call(index, 'checkpoint', checkpoint),
    signal,
    checkpointEvery: options.checkpointEvery,
    ...(options.resumeFrom ? { resumeFrom: options.resumeFrom } : {}),
    backend: options.backend as BackendChoice,
    datasets,
    ...(options.datasetFiles ? { datasetFiles: options.datasetFiles } : {}),
    objective: options.objective,
  };
}

const failure = (error: unknown) => ({ name: (error as Error).name, message: (error as Error).message });

port.on('message', async (message: ToThread) => {
  if (message.type === 'ack') {
    const waiter = pending.get(message.callId);
    pending.delete(message.callId);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve();
    return;
  }
  if (message.type === 'abort') {
    controllers[message.index]?.abort(message.reason);
    return;
  }
  if (message.type === 'start') {
    try {
      port.postMessage({
        type: 'started',
        backend: await selectBackend(message.backend),
        webgpu: webgpuAdapterNote(),
      } satisfies FromThread);
    } catch (error) {
      port.postMessage({ type: 'error', ...failure(error) } satisfies FromThread);
    }
    return;
  }
  const { trials } = message;
  controllers = trials.map(() => new AbortController());
  const hooks = trials.map(({ options }, index) => hooksOf(index, options, controllers[index]!.signal));
  let outcomes: ThreadOutcome[];
  try {
    if (trials.length === 1) {
      outcomes = [{ ok: true, result: await runTrial(trials[0]!.config, hooks[0]!) }];
    } else {
      const settled = await runPackedTrials(
        trials.map(({ config }, index) => ({ config, hooks: hooks[index]! })),
      );
      outcomes = settled.map((outcome) =>
        outcome.status === 'fulfilled'
          ? { ok: true, result: outcome.value }
          : { ok: false, ...failure(outcome.reason) },
      );
    }
  } catch (error) {
    outcomes = trials.map(() => ({ ok: false, ...failure(error) }));
  } finally {
    controllers = [];
  }
  port.postMessage({ type: 'done', outcomes } satisfies FromThread);
});
