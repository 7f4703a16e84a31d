import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('the hypersweep launcher', () => {
  it('says how to build the CLI when dist/ is missing, without a stack trace', () => {
    // a copy of the package without its build: <root>/packages/cli/bin/hypersweep.js
    const root = mkdtempSync(join(tmpdir(), 'hypersweep-launcher-'));
    const bin = join(root, 'packages', 'cli', 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(fileURLToPath(new URL('../bin/hypersweep.js', import.meta.url)), join(bin, 'hypersweep.js'));
    const result = spawnSync(process.execPath, [join(bin, 'hypersweep.js'), 'ls'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `hypersweep: the CLI is not built yet (${join(root, 'packages', 'cli', 'dist', 'main.js')} is missing); run \`npm run build\` in ${root}`,
    );
  });
});
