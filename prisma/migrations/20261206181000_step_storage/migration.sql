-- Storage that stays small as step_metrics grows to 10^8 rows.

-- 1. `lrs` NULL means "the same as ARRAY[lr]": one param group, the lr of the step, as most trials have. The
-- array costs 29 bytes of a ~100-byte row; readers give back COALESCE(lrs, ARRAY[lr]), the same answer. It is
-- dropped only when it is exactly that array (float8send compares the bits: -0 and 0 stay apart), and an
-- lrs stored NULL before (never written by the service) becomes '{}', which read as the same empty list.
-- The writer and this migration share the rule through this function.
CREATE FUNCTION step_lrs_stored(lr DOUBLE PRECISION, lrs DOUBLE PRECISION[]) RETURNS DOUBLE PRECISION[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN lrs IS NULL THEN '{}'::DOUBLE PRECISION[]
    WHEN cardinality(lrs) = 1 AND array_lower(lrs, 1) = 1 AND float8send(lrs[1]) = float8send(lr) THEN NULL
    ELSE lrs
  END
$$;

-- A type change with USING rewrites the table and rebuilds its indexes in one pass (no UPDATE: no dead row
-- versions, no trigger fires, the table comes out compact); every row is kept.
ALTER TABLE "step_metrics" ALTER COLUMN "lrs" TYPE DOUBLE PRECISION[] USING step_lrs_stored("lr", "lrs");

-- 2. Autovacuum by a fixed share of a table of 10^8 rows comes every 2*10^7 changes: vacuum (which keeps the
-- visibility map that index-only min/max(step) reads need) and analyze come at 1% instead. Blocks are
-- rewritten by every batch (ON CONFLICT DO UPDATE), so their dead versions are vacuumed at 1% too.
ALTER TABLE "step_metrics" SET (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_insert_scale_factor = 0.01,
  autovacuum_analyze_scale_factor = 0.01
);
ALTER TABLE "step_metric_blocks" SET (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_insert_scale_factor = 0.01,
  autovacuum_analyze_scale_factor = 0.01
);
