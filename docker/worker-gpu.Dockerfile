# syntax=docker/dockerfile:1
# A trial worker on an NVIDIA GPU through @tensorflow/tfjs-node-gpu 4.x, which needs CUDA 11.2+ and cuDNN 8
# (libtensorflow 2.9). Its install script downloads libtensorflow, so the build stage needs the internet.
#   docker build -f docker/worker-gpu.Dockerfile -t hypersweep-worker-gpu .
#   docker run --gpus all -e DATABASE_URL=... -e REDIS_URL=... hypersweep-worker-gpu
FROM nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04 AS base
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gnupg python3 make g++ \
 && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - \
 && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/*

FROM base AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json biome.json prisma.config.ts ./
COPY packages ./packages
COPY services ./services
COPY tests/package.json ./tests/package.json
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
RUN npx turbo run build --filter=@hypersweep/worker...

FROM base AS runtime
ENV NODE_ENV=production TFJS_BACKEND=node-gpu
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/packages ./packages
COPY --from=build /app/services ./services
COPY --from=build /app/tests/package.json ./tests/package.json
COPY prisma ./prisma
# npm 11 runs no install scripts unless allowed: run tfjs-node-gpu's (it fetches libtensorflow for CUDA).
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm rebuild @tensorflow/tfjs-node-gpu --foreground-scripts \
 && node -e "require('@tensorflow/tfjs-node-gpu')" \
 && npm cache clean --force \
 && rm -rf packages/*/src services/*/src packages/*/test services/*/test \
 && useradd --create-home --uid 10001 hypersweep
USER hypersweep
CMD ["node", "services/worker/dist/main.js"]
