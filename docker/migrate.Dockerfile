# syntax=docker/dockerfile:1
# One-shot: creates the database if needed and applies prisma/migrations, then exits.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json biome.json prisma.config.ts ./
COPY packages ./packages
COPY services ./services
COPY tests/package.json ./tests/package.json
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund --omit=optional
RUN npx turbo run build --filter=@hypersweep/db

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY --from=build /app/packages ./packages
COPY --from=build /app/services ./services
COPY --from=build /app/tests/package.json ./tests/package.json
COPY prisma ./prisma
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --workspace=@hypersweep/db && npm cache clean --force
USER node
CMD ["node", "packages/db/dist/cli/migrate.js"]
