-- Sweeps whose trials run outside the service (workload.external): no worker takes them; external trainers
-- claim them over REST under a lease (token; the lease ends EXTERNAL_LEASE_MS after heartbeat_at).
ALTER TABLE "sweeps" ADD COLUMN "external" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "trials" ADD COLUMN "lease_token" UUID;
