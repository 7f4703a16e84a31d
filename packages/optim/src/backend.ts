import * as tf from '@tensorflow/tfjs-core';
import { OptimError } from './errors.js';

export type BackendName = 'wasm' | 'cpu';

/**
 * Registers and activates a TensorFlow.js backend. The wasm backend ships its .wasm binaries
 * inside the package, so it works offline in Node (SIMD, no threads); cpu is the pure-JS
 * fallback. Backends are imported lazily so a process only loads what it uses.
 */
export async function useBackend(name: BackendName): Promise<void> {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else throw new OptimError(`Unknown backend: ${JSON.stringify(name)}; valid backends: wasm, cpu`);
  if (!(await tf.setBackend(name))) throw new OptimError(`Could not initialize the ${name} backend`);
  await tf.ready();
}

/** The active TensorFlow.js backend's name, e.g. "wasm". */
export function backendName(): string {
  return tf.getBackend();
}
