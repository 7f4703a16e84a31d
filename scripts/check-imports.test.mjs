// node --test scripts/check-imports.test.mjs (part of `npm test`): scripts/check-imports.mjs on small fake
// trees, each the clean one below with one change.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./check-imports.mjs', import.meta.url));
const made = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const manifest = (name, fields = {}) => JSON.stringify({ name: `@hypersweep/${name}`, ...fields });

/** One package per layer and a few more; every import points down or stays inside its package. */
const CLEAN = {
  'packages/core/package.json': manifest('core'),
  'packages/core/src/index.ts': "export * from './status.js';\n",
  'packages/core/src/status.ts': "export const statuses = ['queued'];\n",
  'packages/optim/package.json': manifest('optim'),
  'packages/optim/src/index.ts': 'export const sgd = 1;\n',
  'packages/db/package.json': manifest('db', { dependencies: { '@hypersweep/core': '0.1.0' } }),
  'packages/db/src/index.ts': [
    "import { statuses } from '@hypersweep/core';",
    // an upward import named in a comment, a string, a template and a regular expression is no import
    "// import { app } from '@hypersweep/api';",
    "/* export * from '@hypersweep/client'; */",
    'const hint = "import(\'@hypersweep/api\')";',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the fake file's own template literal
    "const probe = `import x from '@hypersweep/worker'; ${hint}`;",
    'const quote = /[\'"]/;',
    'export const all = [statuses, probe, quote, Array.from(hint)];',
    '',
  ].join('\n'),
  'packages/queue/package.json': manifest('queue', { dependencies: { '@hypersweep/core': '0.1.0' } }),
  'packages/queue/src/index.ts': "export type { Status } from '@hypersweep/core';\n",
  'services/api/package.json': manifest('api', {
    dependencies: { '@hypersweep/db': '0.1.0', '@hypersweep/optim': '0.1.0' },
  }),
  'services/api/src/app.ts': [
    "import type { all } from '@hypersweep/db';",
    "import * as optim from '@hypersweep/optim/testing';",
    "export const load = () => import('./routes.js');",
    'export type All = typeof all | typeof optim;',
    '',
  ].join('\n'),
  'services/api/src/routes.ts': "export const routes = ['/'];\n",
  'services/worker/package.json': manifest('worker', { dependencies: { '@hypersweep/queue': '0.1.0' } }),
  'services/worker/src/main.ts': "import '@hypersweep/queue';\n",
  // a devDependency on a higher layer, for a script and a test: allowed
  'packages/client/package.json': manifest('client', {
    dependencies: { '@hypersweep/core': '0.1.0' },
    devDependencies: { '@hypersweep/api': '0.1.0' },
  }),
  'packages/client/src/index.ts': "export type { Status } from '@hypersweep/queue';\n",
  'packages/client/scripts/generate.mjs': "import { app } from '@hypersweep/api';\nconsole.log(app);\n",
  'packages/client/test/client.test.ts': "import { app } from '@hypersweep/api';\nexport { app };\n",
  'packages/cli/package.json': manifest('cli', { dependencies: { '@hypersweep/client': '0.1.0' } }),
  'packages/cli/src/main.ts': "import { Status } from '@hypersweep/client';\nexport { Status };\n",
};

/** Writes the clean tree with `changes` (a null removes a file), runs the checker on it. */
function run(changes = {}) {
  const root = mkdtempSync(join(tmpdir(), 'check-imports-'));
  made.push(root);
  for (const [path, text] of Object.entries({ ...CLEAN, ...changes })) {
    if (text === null) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const result = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const fails = (result, ...needles) => {
  assert.equal(result.code, 1, result.out);
  for (const needle of needles) assert.ok(result.err.includes(needle), `"${needle}" not in:\n${result.err}`);
};

test('a tree whose imports all point down passes', () => {
  const result = run();
  assert.equal(result.code, 0, result.err);
  assert.match(result.out, /no upward imports in 8 packages \(per layer 1: 2, 2: 2, 3: 2, 4: 2\)/);
});

test('packages/core may be absent', () => {
  const result = run({
    'packages/core/package.json': null,
    'packages/core/src/index.ts': null,
    'packages/core/src/status.ts': null,
    'packages/db/package.json': manifest('db'),
    'packages/db/src/index.ts': 'export const all = [];\n',
    'packages/queue/package.json': manifest('queue'),
    'packages/queue/src/index.ts': 'export type Status = string;\n',
    'packages/client/package.json': manifest('client', { devDependencies: { '@hypersweep/api': '0.1.0' } }),
  });
  assert.equal(result.code, 0, result.err);
});

test('a type-only import of a higher layer from src/ fails, naming the file, the import and both layers', () => {
  fails(
    run({ 'packages/db/src/app-types.ts': "import type { FastifyInstance } from '@hypersweep/api';\n" }),
    'packages/db/src/app-types.ts imports @hypersweep/api',
    '(services/api, layer 3: services)',
    'from packages/db (layer 2: stores and domain)',
  );
});

test('dynamic imports, export-from and subpaths count too', () => {
  fails(
    run({ 'services/api/src/late.ts': "export const cli = () => import('@hypersweep/cli/main');\n" }),
    'services/api/src/late.ts imports @hypersweep/cli/main',
    'layer 4: clients',
  );
  fails(
    run({ 'packages/optim/src/again.ts': "export { all } from '@hypersweep/db';\n" }),
    'packages/optim/src/again.ts imports @hypersweep/db',
    'layer 1: I/O-free libraries',
  );
});

test('an upward dependency in package.json fails though no file imports it', () => {
  fails(
    run({
      'packages/queue/package.json': manifest('queue', { dependencies: { '@hypersweep/worker': '0.1.0' } }),
    }),
    'packages/queue/package.json dependencies imports @hypersweep/worker',
  );
});

test('a devDependency is judged where it is imported: upward from src/ fails, from a test it does not', () => {
  const db = manifest('db', { devDependencies: { '@hypersweep/worker': '0.1.0' } });
  fails(
    run({
      'packages/db/package.json': db,
      'packages/db/src/worker.ts': "export * from '@hypersweep/worker';\n",
    }),
    'packages/db/src/worker.ts imports @hypersweep/worker',
  );
  const result = run({
    'packages/db/package.json': db,
    'packages/db/test/with-worker.test.ts': "import '@hypersweep/worker';\n",
    'packages/db/scripts/seed.mjs': "import '@hypersweep/worker';\n",
    'packages/db/src/worker.test.ts': "import '@hypersweep/worker';\n",
  });
  assert.equal(result.code, 0, result.err);
});

test('packages of one layer may import each other, but not in a circle', () => {
  const sideways = { 'packages/db/src/queue.ts': "export * from '@hypersweep/queue';\n" };
  assert.equal(run(sideways).code, 0);
  fails(
    run({ ...sideways, 'packages/queue/src/db.ts': "import type { all } from '@hypersweep/db';\n" }),
    'package circle',
    '@hypersweep/db <-> @hypersweep/queue',
  );
});

test('a circle of relative imports inside a package fails', () => {
  fails(
    run({ 'packages/core/src/status.ts': "import './index.js';\nexport const statuses = [];\n" }),
    'import circle: packages/core/src/index.ts <-> packages/core/src/status.ts',
  );
});

test('a package without a layer, or an import of one, fails', () => {
  fails(
    run({ 'packages/extra/package.json': manifest('extra') }),
    'packages/extra (@hypersweep/extra) has no layer',
  );
  fails(
    run({ 'packages/db/src/e2e.ts': "import '@hypersweep/e2e';\n" }),
    '@hypersweep/e2e is not a package of the workspace with a layer',
  );
});
