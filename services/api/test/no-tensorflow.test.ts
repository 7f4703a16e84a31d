import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const apiRoot = fileURLToPath(new URL('..', import.meta.url));

// Run in a fresh Node: a module hook (module.register, run on the loader thread) reports every resolved
// @tensorflow module with the module that imported it, and require.cache adds what CommonJS loaded.
// The API's own modules are ESM, so whatever of theirs reaches TF.js passes the hook.
const PROBE = `
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = [];
let drained;
const done = new Promise((resolve) => { drained = resolve; });
port1.on('message', (hit) => (hit === 'drained' ? drained() : seen.push(hit)));
const hooks = \`
let port;
export function initialize(data) {
  port = data.port;
  // Asked after the import, it answers after every hit it posted before (one port keeps their order).
  port.on('message', () => port.postMessage('drained'));
}
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.includes('/@tensorflow/')) port.postMessage({ importer: context.parentURL, module: resolved.url });
  return resolved;
}\`;
register('data:text/javascript,' + encodeURIComponent(hooks), { data: { port: port2 }, transferList: [port2] });
await import(process.argv[1]);
port1.postMessage('drain');
await done;
port1.close();
const cjs = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/@tensorflow/'));
console.log(JSON.stringify({ seen, cjs }));
`;

/** What importing `entry` (a specifier resolved from services/api, or a path) loads of @tensorflow. */
function tensorflowLoadedBy(entry: string): { importers: string[]; modules: number } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE, entry], {
    cwd: apiRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (run.status !== 0) throw new Error(`importing ${entry} failed: ${run.stderr}`);
  const { seen, cjs } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    seen: Array<{ importer: string; module: string }>;
    cjs: string[];
  };
  const outside = seen.filter((hit) => !hit.importer.includes('/@tensorflow/'));
  return { importers: [...new Set(outside.map((hit) => hit.importer))], modules: seen.length + cjs.length };
}

describe('the API does not load TensorFlow.js for what it does not train', () => {
  it("the trainer's workload metadata (@hypersweep/trainer/workloads) loads no @tensorflow module", () => {
    expect(tensorflowLoadedBy('@hypersweep/trainer/workloads')).toEqual({ importers: [], modules: 0 });
  });

  it("the API's workload registry (src/workload-info.ts) loads no @tensorflow module", () => {
    expect(tensorflowLoadedBy('./src/workload-info.ts')).toEqual({ importers: [], modules: 0 });
  });

  it("the probe sees TF.js where it is loaded (the trainer's index)", () => {
    const loaded = tensorflowLoadedBy('@hypersweep/trainer');
    expect(loaded.importers.some((importer) => importer.includes('/packages/trainer/'))).toBe(true);
  });

  it("the app (src/app.ts) reaches @tensorflow only through @hypersweep/optim's index", () => {
    // @hypersweep/spec (the spec validator) and the catalog route import @hypersweep/optim, whose one entry
    // point also exports the optimizers, which import tfjs-core; no module of the API or the trainer does.
    const { importers } = tensorflowLoadedBy('./src/app.ts');
    expect(importers.filter((importer) => !importer.includes('/packages/optim/'))).toEqual([]);
  });

  it.todo(
    'the app loads no @tensorflow module at all: needs a TF-free entry point of @hypersweep/optim (its catalogs, checkValue, resolveOptimizerOptions, validateSchedulerSpec, previewSchedule) that @hypersweep/spec and the catalog route import instead of the whole package',
  );
});
