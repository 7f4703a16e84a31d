-- CreateEnum
CREATE TYPE "SweepStatus" AS ENUM ('queued', 'running', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "TrialStatus" AS ENUM ('queued', 'running', 'completed', 'failed', 'cancelled', 'pruned');

-- CreateEnum
CREATE TYPE "ObjectiveMode" AS ENUM ('min', 'max');

-- CreateTable
CREATE TABLE "sweeps" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "status" "SweepStatus" NOT NULL DEFAULT 'queued',
    "objective_metric" TEXT NOT NULL,
    "objective_mode" "ObjectiveMode" NOT NULL,
    "trial_count" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "error" TEXT,

    CONSTRAINT "sweeps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trials" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "sweep_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "config" JSONB NOT NULL,
    "config_hash" TEXT NOT NULL,
    "status" "TrialStatus" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "worker_id" TEXT,
    "backend" TEXT,
    "steps_done" INTEGER NOT NULL DEFAULT 0,
    "best_value" DOUBLE PRECISION,
    "best_step" INTEGER,
    "final_loss" DOUBLE PRECISION,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "error" TEXT,
    "checkpoint" JSONB,

    CONSTRAINT "trials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "step_metrics" (
    "trial_id" UUID NOT NULL,
    "step" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "lr" DOUBLE PRECISION NOT NULL,
    "lrs" DOUBLE PRECISION[],

    CONSTRAINT "step_metrics_pkey" PRIMARY KEY ("trial_id","step")
);

-- CreateTable
CREATE TABLE "epoch_metrics" (
    "trial_id" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "train_loss" DOUBLE PRECISION NOT NULL,
    "val_loss" DOUBLE PRECISION,
    "val_accuracy" DOUBLE PRECISION,
    "lr" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "epoch_metrics_pkey" PRIMARY KEY ("trial_id","epoch")
);

-- CreateIndex
CREATE INDEX "sweeps_status_created_at_idx" ON "sweeps"("status", "created_at");

-- CreateIndex
CREATE INDEX "sweeps_created_at_idx" ON "sweeps"("created_at");

-- CreateIndex
CREATE INDEX "trials_sweep_id_best_value_idx" ON "trials"("sweep_id", "best_value");

-- CreateIndex
CREATE INDEX "trials_sweep_id_status_idx" ON "trials"("sweep_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "trials_sweep_id_index_key" ON "trials"("sweep_id", "index");

-- AddForeignKey
ALTER TABLE "trials" ADD CONSTRAINT "trials_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "step_metrics" ADD CONSTRAINT "step_metrics_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trials"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "epoch_metrics" ADD CONSTRAINT "epoch_metrics_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trials"("id") ON DELETE CASCADE ON UPDATE CASCADE;
