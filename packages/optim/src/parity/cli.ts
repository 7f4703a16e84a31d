#!/usr/bin/env node
import { resolve } from 'node:path';
import { type BackendName, useBackend } from '../backend.js';
import { referenceDir } from './reference-dir.js';
import { runParitySuite } from './suite.js';

/**
 * `npm run parity -- [<dir>] [--backend wasm|cpu]`: runs the reference cases of <dir>/optim and
 * <dir>/schedulers (<dir>: `GOLDENS_DIR`, else the repository's packages/optim/test/reference), prints `PASS <case>` / `FAIL <case>: <why>` per case and `N passed, M failed`;
 * exits 1 when any case fails.
 */
async function main(argv: string[]): Promise<number> {
  let backend: BackendName = 'wasm';
  let dir = referenceDir();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--backend') {
      const value = argv[++i];
      if (value !== 'wasm' && value !== 'cpu') {
        console.error(`--backend must be wasm or cpu, got ${value}`);
        return 2;
      }
      backend = value;
    } else if (arg.startsWith('--backend=')) {
      const value = arg.slice('--backend='.length);
      if (value !== 'wasm' && value !== 'cpu') {
        console.error(`--backend must be wasm or cpu, got ${value}`);
        return 2;
      }
      backend = value;
    } else {
      dir = arg;
    }
  }
  await useBackend(backend);
  console.log(`reference trajectories: ${resolve(dir)}`);
  const results = await runParitySuite(resolve(dir), (result) => {
    console.log(result.ok ? `PASS ${result.name}` : `FAIL ${result.name}: ${result.message ?? 'failed'}`);
  });
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
