-- AlterTable
ALTER TABLE "sweeps" ADD COLUMN     "seeds" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "outbox" (
    "id" BIGSERIAL NOT NULL,
    "message" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- Backfill: the seeds of stored sweeps, as the services derived them until now (trials = samples x seeds).
UPDATE "sweeps" SET "seeds" = greatest(1, round("trial_count"::numeric / ("search"->>'trials')::numeric))::int
WHERE "search"->>'type' IN ('random', 'tpe') AND ("search"->>'trials')::numeric > 0;
UPDATE "sweeps" SET "seeds" = greatest(1, jsonb_array_length("spec"->'seeds'))
WHERE "search" IS NULL AND jsonb_typeof("spec"->'seeds') = 'array';
