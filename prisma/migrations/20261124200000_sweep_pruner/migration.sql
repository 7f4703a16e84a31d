-- AlterTable
ALTER TABLE "sweeps" ADD COLUMN     "pruner" JSONB;
