-- CreateTable
CREATE TABLE "step_metric_blocks" (
    "trial_id" UUID NOT NULL,
    "block" INTEGER NOT NULL,
    "n" INTEGER NOT NULL,
    "first_step" INTEGER NOT NULL,
    "last_step" INTEGER NOT NULL,
    "low_step" INTEGER NOT NULL,
    "low_loss" DOUBLE PRECISION NOT NULL,
    "high_step" INTEGER NOT NULL,
    "high_loss" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "step_metric_blocks_pkey" PRIMARY KEY ("trial_id","block")
);

-- AddForeignKey
ALTER TABLE "step_metric_blocks" ADD CONSTRAINT "step_metric_blocks_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trials"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Blocks of 16 steps (block b holds steps 16b+1 .. 16b+16), kept in step with step_metrics by statement
-- triggers (Prisma cannot declare them; the drift test compares tables only). The lowest loss of a block is
-- min(ARRAY[loss, step]) (the earliest step among equal losses), the highest max(ARRAY[loss, -step]); arrays
-- compare floats as Postgres orders them, NaN above every number, so a divergence is the highest.

-- New rows merge into their blocks: counts add up, extremes compare.
CREATE FUNCTION step_metric_blocks_merge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO step_metric_blocks AS b
    (trial_id, block, n, first_step, last_step, low_step, low_loss, high_step, high_loss)
  SELECT trial_id, block, n, first_step, last_step, lo[2]::int, lo[1], (-hi[2])::int, hi[1]
  FROM (
    SELECT trial_id, (step - 1) / 16 AS block, count(*)::int AS n, min(step) AS first_step, max(step) AS last_step,
           min(ARRAY[loss, step::float8]) AS lo, max(ARRAY[loss, -step::float8]) AS hi
    FROM new_rows GROUP BY 1, 2
  ) g
  ON CONFLICT (trial_id, block) DO UPDATE SET
    n = b.n + EXCLUDED.n,
    first_step = least(b.first_step, EXCLUDED.first_step),
    last_step = greatest(b.last_step, EXCLUDED.last_step),
    low_step = CASE WHEN ARRAY[EXCLUDED.low_loss, EXCLUDED.low_step::float8] < ARRAY[b.low_loss, b.low_step::float8]
                    THEN EXCLUDED.low_step ELSE b.low_step END,
    low_loss = CASE WHEN ARRAY[EXCLUDED.low_loss, EXCLUDED.low_step::float8] < ARRAY[b.low_loss, b.low_step::float8]
                    THEN EXCLUDED.low_loss ELSE b.low_loss END,
    high_step = CASE WHEN ARRAY[EXCLUDED.high_loss, -EXCLUDED.high_step::float8] > ARRAY[b.high_loss, -b.high_step::float8]
                     THEN EXCLUDED.high_step ELSE b.high_step END,
    high_loss = CASE WHEN ARRAY[EXCLUDED.high_loss, -EXCLUDED.high_step::float8] > ARRAY[b.high_loss, -b.high_step::float8]
                     THEN EXCLUDED.high_loss ELSE b.high_loss END;
  RETURN NULL;
END $$;

-- Rewritten rows (a retried trial's ON CONFLICT DO UPDATE) may have moved an extreme: their blocks are
-- summarised again from step_metrics.
CREATE FUNCTION step_metric_blocks_recompute() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO step_metric_blocks AS b
    (trial_id, block, n, first_step, last_step, low_step, low_loss, high_step, high_loss)
  SELECT trial_id, block, n, first_step, last_step, lo[2]::int, lo[1], (-hi[2])::int, hi[1]
  FROM (
    SELECT m.trial_id, k.block, count(*)::int AS n, min(m.step) AS first_step, max(m.step) AS last_step,
           min(ARRAY[m.loss, m.step::float8]) AS lo, max(ARRAY[m.loss, -m.step::float8]) AS hi
    FROM (SELECT DISTINCT trial_id, (step - 1) / 16 AS block FROM new_rows) k
    JOIN step_metrics m ON m.trial_id = k.trial_id AND m.step BETWEEN k.block * 16 + 1 AND k.block * 16 + 16
    GROUP BY 1, 2
  ) g
  ON CONFLICT (trial_id, block) DO UPDATE SET
    n = EXCLUDED.n, first_step = EXCLUDED.first_step, last_step = EXCLUDED.last_step,
    low_step = EXCLUDED.low_step, low_loss = EXCLUDED.low_loss,
    high_step = EXCLUDED.high_step, high_loss = EXCLUDED.high_loss;
  RETURN NULL;
END $$;

CREATE TRIGGER step_metric_blocks_on_insert AFTER INSERT ON "step_metrics"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION step_metric_blocks_merge();
CREATE TRIGGER step_metric_blocks_on_update AFTER UPDATE ON "step_metrics"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION step_metric_blocks_recompute();

-- Blocks of the steps stored before this migration.
INSERT INTO step_metric_blocks (trial_id, block, n, first_step, last_step, low_step, low_loss, high_step, high_loss)
SELECT trial_id, block, n, first_step, last_step, lo[2]::int, lo[1], (-hi[2])::int, hi[1]
FROM (
  SELECT trial_id, (step - 1) / 16 AS block, count(*)::int AS n, min(step) AS first_step, max(step) AS last_step,
         min(ARRAY[loss, step::float8]) AS lo, max(ARRAY[loss, -step::float8]) AS hi
  FROM step_metrics GROUP BY 1, 2
) g;
