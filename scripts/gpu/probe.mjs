// Bundled as .gpu-bundle/probe.js: prints what the WebGPU probe finds (an adapter, or why there is none) as
// one JSON line; exits 0 with an adapter, 3 without.
import { describeWebgpu, probeWebgpu } from '@hypersweep/optim';

const status = await probeWebgpu();
console.log(JSON.stringify({ ...status, line: describeWebgpu(status) }));
process.exitCode = status.adapter === null ? 3 : 0;
