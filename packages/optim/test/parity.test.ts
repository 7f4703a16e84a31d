import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BackendName, useBackend } from '../src/backend.js';
import { referenceDir } from '../src/parity/reference-dir.js';
import { runParitySuite } from '../src/parity/suite.js';

/** test/reference, or GOLDENS_DIR. */
const goldensDir = referenceDir();

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
