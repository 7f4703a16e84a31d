-- AlterTable
ALTER TABLE "sweeps" ADD COLUMN     "samples_drawn" INTEGER NOT NULL DEFAULT 0;
