# syntax=docker/dockerfile:1
# A trial worker on CPU (TensorFlow.js wasm backend, falling back to the pure-JS cpu backend).
#   docker build -f docker/worker.Dockerfile -t hypersweep-worker .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json biome.json prisma.config.ts ./
COPY packages ./packages
COPY services ./services
COPY tests/package.json ./tests/package.json
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund --omit=optional
RUN npx turbo run build --filter=@hypersweep/worker...

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production TFJS_BACKEND=wasm
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/packages ./packages
COPY --from=build /app/services ./services
COPY --from=build /app/tests/package.json ./tests/package.json
COPY prisma ./prisma
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force \
 && rm -rf packages/*/src services/*/src packages/*/test services/*/test
USER node
CMD ["node", "services/worker/dist/main.js"]
