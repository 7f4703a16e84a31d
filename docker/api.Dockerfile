# syntax=docker/dockerfile:1
# The REST API (Fastify, Swagger UI at /docs). Build from the repository root:
#   docker build -f docker/api.Dockerfile -t hypersweep-api .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json biome.json prisma.config.ts ./
COPY packages ./packages
COPY services ./services
COPY tests/package.json ./tests/package.json
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
RUN npx turbo run build --filter=@hypersweep/api...

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/packages ./packages
COPY --from=build /app/services ./services
COPY --from=build /app/tests/package.json ./tests/package.json
COPY prisma ./prisma
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && rm -rf packages/*/src services/*/src packages/*/test services/*/test
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "services/api/dist/server.js"]
