import { describeWebgpu, useBackend, type WebgpuStatus, webgpuStatus } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from './errors.js';

/**
 * The TensorFlow.js backend a trial runs on. `node-gpu` and `node` are the native bindings
 * (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node); they download libtensorflow when they are
 * installed, so they are optional: the GPU Docker image installs tfjs-node-gpu, development and CI
 * machines have neither and run on wasm. `webgpu` needs no download (Dawn's binaries are inside the
 * optional npm package `webgpu`) and runs where a probe finds a WebGPU adapter (a Vulkan driver on Linux).
 */
export type BackendName = 'node-gpu' | 'webgpu' | 'node' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

/** Every backend, in the order `auto` tries them, fastest first. */
export const backendNames: readonly BackendName[] = ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu'];
const AUTO_ORDER: readonly BackendName[] = backendNames;
/** The name each backend registers under in tfjs. */
const TF_NAME: Record<BackendName, string> = {
  'node-gpu': 'tensorflow',
  node: 'tensorflow',
  webgpu: 'webgpu',
  wasm: 'wasm',
  cpu: 'cpu',
};

export interface SelectBackendOptions {
  /** Where webgpu finds its adapter (default: the probe, once per thread); tests pass a fake answer. */
  webgpuStatus?: () => Promise<WebgpuStatus>;
}

/** The native bindings and the name they register their backend under in tfjs. */
const NATIVE_MODULES: Record<'node-gpu' | 'node', string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

let active: BackendName | null = null;
/** What webgpu's probe said in this thread, or why it did not run. */
let webgpuNote = 'not probed';

/** The backend selected last in this process, or null before the first `selectBackend`. */
export function activeBackend(): BackendName | null {
  return active;
}

/**
 * The WebGPU adapter this thread found ("NVIDIA hopper (...)"), or why webgpu does not run here: for the
 * worker's ready line.
 */
export function webgpuAdapterNote(): string {
  return webgpuNote;
}

/**
 * Makes `choice` the process's tfjs backend and returns the one that runs. `auto` (the default,
 * overridden by the TFJS_BACKEND environment variable) tries node-gpu, webgpu (only where the probe
 * finds an adapter), node, wasm and cpu in that order and quietly skips any that is not installed or
 * does not start; a backend named explicitly that cannot start is an error saying why.
 */
export async function selectBackend(
  choice: BackendChoice | string = process.env['TFJS_BACKEND'] || 'auto',
  options: SelectBackendOptions = {},
): Promise<BackendName> {
  if (choice === 'auto') {
    if (active !== null) return active;
    for (const name of AUTO_ORDER) {
      if ((await tryBackend(name, options)) === null) return name;
    }
    throw new TrainerError('no TensorFlow.js backend could be started');
  }
  if (!isBackendName(choice)) {
    throw new TrainerError(`unknown backend "${choice}"; expected one of auto, ${backendNames.join(', ')}`);
  }
  const failure = await tryBackend(choice, options);
  if (failure !== null) throw new TrainerError(`backend "${choice}" is not available: ${failure}`);
  return choice;
}

export function isBackendName(name: string): name is BackendName {
  return (backendNames as readonly string[]).includes(name);
}

/** Activates `name`; returns null on success, else the reason it cannot run. */
async function tryBackend(name: BackendName, options: SelectBackendOptions): Promise<string | null> {
  if (active === name && tf.getBackend() === TF_NAME[name]) return null;
  try {
    if (name === 'webgpu') {
      const status = await (options.webgpuStatus ?? webgpuStatus)();
      webgpuNote = describeWebgpu(status);
      await useBackend(name, { webgpuStatus: async () => status });
    } else if (name === 'wasm' || name === 'cpu') {
      await useBackend(name);
    } else {
      await activateNative(NATIVE_MODULES[name]);
    }
  } catch (error) {
    if (name === 'webgpu' && !webgpuNote.startsWith('none'))
      webgpuNote = `${webgpuNote}, but it did not start: ${(error as Error).message}`;
    return (error as Error).message;
  }
  active = name;
  return null;
}

async function activateNative(module: string): Promise<void> {
  try {
    // A variable specifier keeps the optional packages out of the type check: they are loaded
    // only where they are installed.
    await import(module);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new Error(`${module} is not installed`);
    throw new Error(`${module} failed to load: ${(error as Error).message}`);
  }
  if (!(await tf.setBackend(TF_NAME['node-gpu']))) throw new Error(`${module} failed to initialise`);
  await tf.ready();
}

/**
 * A tfjs flag `name` that chooses between two code paths: 'auto' (its default) takes `onListed` on the
 * backends in `backends` and `otherwise` on the rest; set to either value, it forces that path on any
 * backend (tests run both). Returns the choice for the active backend, read at each call.
 */
export function backendChoiceFlag<Choice extends string>(
  name: string,
  onListed: Choice,
  otherwise: Choice,
  backends: readonly string[],
): () => Choice {
  tf.env().registerFlag(name, () => 'auto');
  const listed = new Set(backends);
  return () => {
    const setting = tf.env().get(name);
    if (setting === onListed || setting === otherwise) return setting as Choice;
    return listed.has(tf.getBackend()) ? onListed : otherwise;
  };
}
