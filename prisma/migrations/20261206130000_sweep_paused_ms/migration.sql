-- The time a completed sweep sat ended before an extension reopened it: its "ran" time leaves it out.
ALTER TABLE "sweeps" ADD COLUMN "paused_ms" BIGINT NOT NULL DEFAULT 0;
