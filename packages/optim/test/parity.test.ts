import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BackendName, useBackend } from '../src/backend.js';
import { runParitySuite } from '../src/parity/suite.js';

/** <repo>/../shared/goldens, or GOLDENS_DIR. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const goldensDir = process.env['GOLDENS_DIR'] ?? resolve(repoRoot, '../shared/goldens');

describe.each<BackendName>(['wasm', 'cpu'])('parity with PyTorch 1.13 on %s', (backend) => {
  it('passes every reference case', async () => {
    expect(existsSync(resolve(goldensDir, 'optim')), `reference files in ${goldensDir}`).toBe(true);
    await useBackend(backend);
    const results = await runParitySuite(goldensDir);
    const failures = results
      .filter((result) => !result.ok)
      .map((result) => `${result.name}: ${result.message}`);
    expect(results.length).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});
