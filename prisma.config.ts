import { defineConfig } from 'prisma/config';

// The Prisma CLI reads this. `prisma generate` needs no database; `prisma migrate deploy` (where Prisma's schema
// engine is available) uses DATABASE_URL. Without the engine, `npm run db:migrate` applies the same migrations.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/hypersweep' },
});
