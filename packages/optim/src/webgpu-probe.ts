// `node webgpu-probe.js <webgpu module URL> <timeout ms>`: the child process of probeWebgpu. Prints the
// adapter's WebgpuStatus as JSON on stdout; Dawn's own messages go to stderr, where the parent reads them.
import { adapterStatus, type GpuLike } from './webgpu.js';

const [moduleUrl, timeoutMs] = process.argv.slice(2);
const { create } = (await import(moduleUrl!)) as { create(flags: string[]): GpuLike };
process.stdout.write(JSON.stringify(await adapterStatus(create([]), Number(timeoutMs))));
// Dawn's instance can keep the event loop alive: the answer is written, so end here.
process.exit(0);
