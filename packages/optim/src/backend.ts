import * as tf from '@tensorflow/tfjs-core';
import { OptimError } from './errors.js';
import { installWebgpu, type WebgpuStatus, webgpuStatus } from './webgpu.js';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';

export interface UseBackendOptions {
  /** Where webgpu finds its adapter (default: the probe, once per thread); tests pass a fake answer. */
  webgpuStatus?: () => Promise<WebgpuStatus>;
}

/**
 * Registers and activates a TensorFlow.js backend. The wasm backend ships its .wasm binaries
 * inside the package, so it works offline in Node (SIMD, no threads); cpu is the pure-JS
 * fallback; webgpu runs on a GPU through Dawn (./webgpu.ts) where a probe finds an adapter, and
 * says why not where it finds none. Backends are imported lazily so a process only loads what it uses.
 */
export async function useBackend(name: BackendName, options: UseBackendOptions = {}): Promise<void> {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else if (name === 'webgpu') {
    const status = await (options.webgpuStatus ?? webgpuStatus)();
    if (status.adapter === null) throw new OptimError(status.reason);
    await installWebgpu();
  } else throw new OptimError(`Unknown backend: ${JSON.stringify(name)}; valid backends: webgpu, wasm, cpu`);
  const previous = tf.engine().backendName;
  if (!(await tf.setBackend(name))) {
    // tfjs keeps the failed name as its backend, with no instance: the backend that ran before runs on.
    if (previous) await tf.setBackend(previous);
    throw new OptimError(`Could not initialize the ${name} backend`);
  }
  await tf.ready();
}

/** The active TensorFlow.js backend's name, e.g. "wasm". */
export function backendName(): string {
  return tf.getBackend();
}
