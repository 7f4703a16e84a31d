-- An lr range test (POST /v1/lr-range-tests) is a sweep of one trial: its settings (start_lr, end_lr, steps,
-- mode, smoothing) here; null for every other sweep (those GET /v1/sweeps lists).
ALTER TABLE "sweeps" ADD COLUMN "lr_range_test" JSONB;
