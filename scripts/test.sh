#!/usr/bin/env bash
# `npm test`: lint (biome; scripts/check-imports.mjs, tested first on fake trees: no import circles, no import
# from a lower layer into a higher one), typecheck, build, every package's tests (real Postgres and Redis on localhost, each test
# file in its own database / key prefix), then the PyTorch parity suite on both CPU-only backends over the
# reference trajectories in packages/optim/test/reference (GOLDENS_DIR=<dir> runs another copy instead).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
npx biome check .
node --test scripts/check-imports.test.mjs
node scripts/check-imports.mjs
npx turbo run build typecheck --output-logs=errors-only
npx turbo run test --concurrency=1 --output-logs=new-only
npm run -s parity -- --backend wasm
npm run -s parity -- --backend cpu
