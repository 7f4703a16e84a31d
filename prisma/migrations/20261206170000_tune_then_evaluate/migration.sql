-- The tune-then-evaluate protocol (packages/spec protocol-spec.ts): a sweep's protocol plan, and each trial's
-- phase (tuning or evaluation) and optimizer entry (its index in the spec's optimizers). Null for sweeps and
-- trials without a protocol.
ALTER TABLE "sweeps" ADD COLUMN "protocol" JSONB;
ALTER TABLE "trials" ADD COLUMN "phase" TEXT,
ADD COLUMN "entry" INTEGER;
