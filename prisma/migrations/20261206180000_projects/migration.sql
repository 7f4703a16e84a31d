-- Projects, scoped API keys and the audit log (issue 23). Every existing sweep and dataset goes to the
-- `default` project; trials, lr range tests (sweeps) and external leases (trials) follow their sweep.

-- CreateTable
CREATE TABLE "projects" (
    "name" TEXT NOT NULL,
    "limits" JSONB NOT NULL DEFAULT '{}'::jsonb,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("name")
);

INSERT INTO "projects" ("name") VALUES ('default');

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "project" TEXT,
    "role" TEXT NOT NULL,
    "secret_sha256" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "api_keys_role_check" CHECK ("role" IN ('read', 'write', 'admin'))
);

-- CreateIndex
CREATE INDEX "api_keys_project_idx" ON "api_keys"("project");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_fkey" FOREIGN KEY ("project") REFERENCES "projects"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "key_id" TEXT,
    "project" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "status" INTEGER NOT NULL,
    "request_id" TEXT NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_log_project_id_idx" ON "audit_log"("project", "id" DESC);

-- AlterTable
ALTER TABLE "sweeps" ADD COLUMN "project" TEXT NOT NULL DEFAULT 'default';

-- CreateIndex
CREATE INDEX "sweeps_project_created_at_id_idx" ON "sweeps"("project", "created_at" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_project_fkey" FOREIGN KEY ("project") REFERENCES "projects"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AlterTable: a dataset's name and content are unique within its project (another project may hold the same).
ALTER TABLE "datasets" ADD COLUMN "project" TEXT NOT NULL DEFAULT 'default';

-- DropIndex
DROP INDEX "datasets_name_key";

-- DropIndex
DROP INDEX "datasets_sha256_key";

-- CreateIndex
CREATE UNIQUE INDEX "datasets_project_name_key" ON "datasets"("project", "name");

-- CreateIndex
CREATE UNIQUE INDEX "datasets_project_sha256_key" ON "datasets"("project", "sha256");

-- AddForeignKey
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_project_fkey" FOREIGN KEY ("project") REFERENCES "projects"("name") ON DELETE RESTRICT ON UPDATE CASCADE;
