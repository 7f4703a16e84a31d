-- AlterTable
ALTER TABLE "sweeps" ADD COLUMN     "search" JSONB;

-- AlterTable
ALTER TABLE "trials" ADD COLUMN     "params" JSONB,
ADD COLUMN     "prune_cutoff" DOUBLE PRECISION,
ADD COLUMN     "prune_rung" INTEGER,
ADD COLUMN     "prune_value" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "trial_rungs" (
    "trial_id" UUID NOT NULL,
    "sweep_id" UUID NOT NULL,
    "bracket" INTEGER NOT NULL,
    "rung" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "trial_rungs_pkey" PRIMARY KEY ("trial_id","rung")
);

-- CreateIndex
CREATE INDEX "trial_rungs_sweep_id_bracket_rung_idx" ON "trial_rungs"("sweep_id", "bracket", "rung");

-- AddForeignKey
ALTER TABLE "trial_rungs" ADD CONSTRAINT "trial_rungs_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trials"("id") ON DELETE CASCADE ON UPDATE CASCADE;
