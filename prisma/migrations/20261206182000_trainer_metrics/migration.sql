-- An external trainer's own epoch metrics (`val_bleu`), by name: a sweep's objective may name one
-- (packages/core objective.ts). NULL for the service's own trials and for epochs that report none.
ALTER TABLE "epoch_metrics" ADD COLUMN "metrics" JSONB;
