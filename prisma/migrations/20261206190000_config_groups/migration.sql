-- A trial's configuration group (the key of its config without the seed: @hypersweep/spec configKey, the
-- `key` of GET /v1/sweeps/:id/configs) and its seed, as columns: the comparison routes group, rank and page
-- a sweep's configurations in Postgres instead of reading and hashing every trial's config on each request.
-- Trials stored before this migration (and by a process of an older release) get both when a comparison
-- first reads their sweep (@hypersweep/db fillGroupKeys): the key is a sha256 of canonical JSON, which SQL
-- cannot reproduce from jsonb.
ALTER TABLE "trials" ADD COLUMN "group_key" TEXT, ADD COLUMN "seed" INTEGER;

-- In the order the ranking reads a sweep's trials (by group, then seed, then grid position) and holding what
-- it reads of them, so a sweep's ranking is one index-only scan with no sort.
CREATE INDEX "trials_sweep_id_group_key_seed_index_status_best_value_idx" ON "trials"("sweep_id", "group_key", "seed", "index", "status", "best_value");
