import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestApi, type TestApi } from '@hypersweep/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFile, listen, runCli } from './cli-helpers.js';

// `hypersweep datasets ...` as a subprocess against the real API (listening on a free port) and Postgres.

const API_KEY = 'datasets-cli-key';
const lines = (text: string) => text.split('\n').filter((line) => line.length > 0);

describe('hypersweep datasets', () => {
  let stack: TestApi;
  let url: string;
  beforeAll(async () => {
    stack = await startTestApi({ env: { API_KEYS: API_KEY } });
    url = await listen(stack.app);
  });
  afterAll(async () => {
    await stack?.close();
  });
  const cli = (...args: string[]) => runCli(args, { HYPERSWEEP_URL: url, HYPERSWEEP_API_KEY: API_KEY });

  it('uploads (format from the extension, name from the file), lists, refuses, deletes', async () => {
    const csv = jsonFile('small.csv', 'x,y,label\n0.5,1,0\n1.5,2,1\n2.5,3,0\n');
    const up = await cli('datasets', 'upload', csv);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^uploaded small \([0-9a-f-]{36}\): csv, 3 rows x 3 columns, 34 B\n$/);
    const again = await cli('datasets', 'upload', csv, '--name', 'copy');
    expect(again.stdout).toMatch(
      /^already uploaded as small \([0-9a-f-]{36}\): the same bytes; nothing new stored/,
    );

    // an .npz from packages/data's fixtures, streamed as application/octet-stream
    const dir = mkdtempSync(join(tmpdir(), 'hypersweep-datasets-'));
    const npz = join(dir, 'images.npz');
    copyFileSync(
      fileURLToPath(new URL('../packages/data/test/fixtures/images_compressed.npz', import.meta.url)),
      npz,
    );
    const images = await cli('datasets', 'upload', npz, '--json');
    rmSync(dir, { recursive: true, force: true });
    expect(images.code, images.stderr).toBe(0);
    expect(JSON.parse(images.stdout)).toMatchObject({
      name: 'images',
      format: 'npz',
      rows: 6,
      created: true,
    });

    const ls = await cli('datasets', 'ls');
    expect(ls.code).toBe(0);
    const table = lines(ls.stdout);
    expect(table[0]).toMatch(/^NAME\s+ID\s+FORMAT\s+ROWS\s+BYTES\s+CREATED$/);
    expect(table.slice(1).map((line) => line.split(/\s+/).slice(0, 4))).toEqual(
      expect.arrayContaining([
        ['small', expect.stringMatching(/^[0-9a-f]{8}$/), 'csv', '3'],
        ['images', expect.stringMatching(/^[0-9a-f]{8}$/), 'npz', '6'],
      ]),
    );
    // The built-in dataset, last, by its whole id, never uploaded.
    expect(table.at(-1)!.split(/\s+/)).toEqual([
      'mnist',
      'builtin:mnist',
      'npz',
      '10000',
      '29.9',
      'MiB',
      'built',
      'in',
    ]);

    const bad = await cli('datasets', 'upload', jsonFile('bad.csv', 'a,b\n1,2\n3,abc\n'));
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)).toEqual(['/body: line 3, column "b": "abc" is not a number']);
    const unknown = await cli('datasets', 'upload', jsonFile('data.txt', '1'));
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)[0]).toMatch(
      /cannot tell the format of .*data\.txt from its extension: pass --format/,
    );
    const missing = await cli('datasets', 'upload', '/nonexistent/x.csv');
    expect(lines(missing.stderr)).toEqual(['hypersweep: cannot read /nonexistent/x.csv: ENOENT']);

    expect((await cli('datasets', 'rm', 'small')).stdout).toBe('deleted dataset small\n');
    const gone = await cli('datasets', 'rm', 'small');
    expect(gone.code).toBe(1);
    expect(lines(gone.stderr)).toEqual(['hypersweep: dataset small not found']);
    const keyless = await runCli(['datasets', 'rm', 'images'], { HYPERSWEEP_URL: url });
    expect(keyless.code).toBe(1);
    expect(lines(keyless.stderr)[1]).toBe('hint: pass --api-key or set HYPERSWEEP_API_KEY');
  });
});
