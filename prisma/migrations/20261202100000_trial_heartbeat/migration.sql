-- AlterTable
ALTER TABLE "trials" ADD COLUMN     "heartbeat_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "trials_status_heartbeat_at_idx" ON "trials"("status", "heartbeat_at");
