import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The WebGPU route to a GPU: the npm package `webgpu` (Dawn's Node bindings, its native binaries inside the
 * package, nothing downloaded at install) gives Node a `navigator.gpu`, and @tensorflow/tfjs-backend-webgpu
 * runs TensorFlow.js kernels on it (through Vulkan on Linux). `webgpu` is an optionalDependency (about
 * 130 MB for five platforms); both are imported only when the webgpu backend is asked for.
 */

/** What a found adapter says of itself (GPUAdapterInfo). */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/** An adapter, or why there is none. */
export type WebgpuStatus = { adapter: GpuAdapterInfo } | { adapter: null; reason: string };

/** The part of `navigator.gpu` the probe uses; tests pass a fake one. */
export interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power';
  }): Promise<AdapterLike | null>;
}
interface AdapterLike {
  info?: Partial<GpuAdapterInfo>;
  requestAdapterInfo?: () => Promise<Partial<GpuAdapterInfo>>;
}

/** The probe gives up after this long: a driver that hangs must not hang the worker's start. */
export const WEBGPU_PROBE_TIMEOUT_MS = 20_000;

/** Asks `gpu` for its high-performance adapter, as tfjs-backend-webgpu will, within `timeoutMs`. */
export async function adapterStatus(
  gpu: GpuLike,
  timeoutMs = WEBGPU_PROBE_TIMEOUT_MS,
): Promise<WebgpuStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const adapter = await Promise.race([
      gpu.requestAdapter({ powerPreference: 'high-performance' }),
      timeout,
    ]);
    if (adapter === 'timeout')
      return { adapter: null, reason: `requestAdapter() did not answer in ${timeoutMs} ms` };
    if (adapter === null) return { adapter: null, reason: 'no adapter: requestAdapter() returned null' };
    const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
    return {
      adapter: {
        vendor: info.vendor ?? '',
        architecture: info.architecture ?? '',
        device: info.device ?? '',
        description: info.description ?? '',
      },
    };
  } catch (error) {
    return { adapter: null, reason: `requestAdapter() failed: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/** One line for logs: "NVIDIA hopper (NVIDIA H100 80GB HBM3)", or "none: <why>". */
export function describeWebgpu(status: WebgpuStatus): string {
  if (status.adapter === null) return `none: ${status.reason}`;
  const { vendor, architecture, description, device } = status.adapter;
  const name = [vendor || 'unknown vendor', architecture].filter(Boolean).join(' ');
  const detail = description || device;
  return detail ? `${name} (${detail})` : name;
}

const require = createRequire(import.meta.url);

/** The `webgpu` package's entry file, or null where the optional package is not installed. */
export function webgpuModulePath(): string | null {
  try {
    return require.resolve('webgpu');
  } catch {
    return null;
  }
}

/**
 * Probes for a WebGPU adapter in a child process (node webgpu-probe.js beside this file): Dawn writes why it
 * refuses a driver (a missing libvulkan.so.1, lavapipe lacking a feature) to stderr, which only a child's
 * stderr lets us read, and a child that hangs in a driver can be killed. Bounded by `timeoutMs`.
 */
export async function probeWebgpu(timeoutMs = WEBGPU_PROBE_TIMEOUT_MS): Promise<WebgpuStatus> {
  const module = webgpuModulePath();
  if (module === null)
    return { adapter: null, reason: 'the optional package "webgpu" is not installed (npm install webgpu)' };
  const probe = fileURLToPath(new URL('./webgpu-probe.js', import.meta.url));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [probe, pathToFileURL(module).href, String(timeoutMs)],
      { timeout: timeoutMs + 5_000, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const dawn = dawnMessages(stderr);
        let status: WebgpuStatus;
        try {
          status = JSON.parse(stdout) as WebgpuStatus;
        } catch {
          const why = error?.killed ? `the probe did not end in ${timeoutMs + 5_000} ms` : 'the probe failed';
          status = { adapter: null, reason: `${why} (${error?.message ?? 'no answer'})` };
        }
        if (status.adapter === null && dawn !== '')
          status = { adapter: null, reason: `${status.reason}; Dawn: ${dawn}` };
        resolve(status);
      },
    );
  });
}

/** Dawn's warnings and errors from a probe's stderr, one line each, without their source locations. */
function dawnMessages(stderr: string): string {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(Warning|Error)\b/.test(line))
    .map((line) => line.replace(/^(Warning|Error):\s*/, ''))
    .join('; ')
    .slice(0, 600);
}

let cached: Promise<WebgpuStatus> | undefined;

/** probeWebgpu's answer, probed once per thread. */
export function webgpuStatus(): Promise<WebgpuStatus> {
  cached ??= probeWebgpu();
  return cached;
}

/**
 * Makes `navigator.gpu` Dawn's and registers tfjs's webgpu backend (which registers only where
 * `navigator.gpu` exists when it is imported). The caller then calls tf.setBackend('webgpu').
 */
export async function installWebgpu(): Promise<void> {
  const module = webgpuModulePath();
  if (module === null) throw new Error('the optional package "webgpu" is not installed');
  const { create, globals } = (await import(pathToFileURL(module).href)) as {
    create(flags: string[]): GpuLike;
    globals: Record<string, unknown>;
  };
  // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode and GPUShaderStage as globals.
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const navigator = (globalThis as { navigator?: object }).navigator;
  if (navigator === undefined)
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  else Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  guardSyncReads(WebGPUBackend.prototype as unknown as SyncReader);
}

interface SyncReader {
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): { values?: unknown } | undefined };
}

/**
 * Makes `tensors` readable synchronously (dataSync, stateDict, checkpoints) on the webgpu backend by reading
 * them asynchronously first, which keeps a host copy; on the other backends a synchronous read works as it is,
 * and this does nothing.
 */
export async function readableOnHost(tensors: readonly tf.Tensor[]): Promise<void> {
  if (tf.getBackend() !== 'webgpu') return;
  await Promise.all(tensors.map((tensor) => tensor.data()));
}

/**
 * tfjs-backend-webgpu reads a tensor synchronously (dataSync) by drawing it through an OffscreenCanvas, which
 * Node lacks: a tensor is readable synchronously on webgpu only once an asynchronous read (`await t.data()`)
 * has copied it to the host. Anything else fails with this message instead of "OffscreenCanvas is not defined".
 */
function guardSyncReads(backend: SyncReader): void {
  if (typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined') return;
  const readSync = backend.readSync;
  backend.readSync = function (this: SyncReader, dataId: object) {
    if (this.tensorMap.get(dataId)?.values == null)
      throw new Error(
        'the webgpu backend cannot read a tensor synchronously in Node (dataSync): read it with await data()',
      );
    return readSync.call(this, dataId);
  };
}
