#!/usr/bin/env node
import { resolve } from 'node:path';
import { type BackendName, useBackend } from '../backend.js';
import { OptimError } from '../errors.js';
import { referenceDir } from './reference-dir.js';
import { runParitySuite } from './suite.js';
import { GPU_RTOL_FACTOR } from './tolerance.js';

const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'webgpu'];

/**
 * `npm run parity -- [<dir>] [--backend wasm|cpu|webgpu]`: runs the reference cases of <dir>/optim and
 * <dir>/schedulers (<dir>: `GOLDENS_DIR`, else the repository's packages/optim/test/reference), prints `PASS <case>` / `FAIL <case>: <why>` per case and `N passed, M failed`;
 * exits 1 when any case fails. On webgpu the optimizer cases' tolerance is GPU_RTOL_FACTOR times the
 * files' (tolerance.ts says why); where no WebGPU adapter is found it says why and exits 2.
 */
async function main(argv: string[]): Promise<number> {
  let backend: BackendName = 'wasm';
  let dir = referenceDir();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = arg === '--backend' ? argv[++i] : arg.startsWith('--backend=') ? arg.slice(10) : undefined;
    if (value === undefined && !arg.startsWith('--backend')) {
      dir = arg;
      continue;
    }
    if (!BACKENDS.includes(value as BackendName)) {
      console.error(`--backend must be ${BACKENDS.join(', ')}, got ${value}`);
      return 2;
    }
    backend = value as BackendName;
  }
  try {
    await useBackend(backend);
  } catch (error) {
    if (!(error instanceof OptimError)) throw error;
    console.error(`the ${backend} backend cannot run here: ${error.message}`);
    return 2;
  }
  const rtolFactor = backend === 'webgpu' ? GPU_RTOL_FACTOR : 1;
  console.log(
    `reference trajectories: ${resolve(dir)} on ${backend}` +
      (rtolFactor === 1 ? '' : ` (optimizer tolerances x${rtolFactor}: float32 on a GPU)`),
  );
  const results = await runParitySuite(
    resolve(dir),
    (result) => {
      console.log(result.ok ? `PASS ${result.name}` : `FAIL ${result.name}: ${result.message ?? 'failed'}`);
    },
    rtolFactor,
  );
  const failed = results.filter((result) => !result.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed > 0 || results.length === 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
