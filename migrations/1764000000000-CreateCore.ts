import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants, their API keys, and the import records every dataset hangs off. */
export class CreateCore1764000000000 implements MigrationInterface {
  name = 'CreateCore1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        data_version bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
        key_hash text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_org_idx ON api_keys (org_id, created_at)`);
    await q.query(`
      CREATE TABLE imports (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        kind text NOT NULL,
        status text NOT NULL CHECK (status IN ('QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED')),
        file_name text NOT NULL,
        file_path text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        idempotency_key text,
        reject_threshold double precision NOT NULL,
        bytes_read bigint NOT NULL DEFAULT 0,
        rows_read bigint NOT NULL DEFAULT 0,
        rows_loaded bigint NOT NULL DEFAULT 0,
        rows_rejected bigint NOT NULL DEFAULT 0,
        rejects_by_reason jsonb NOT NULL DEFAULT '{}',
        rejects_path text,
        metrics jsonb,
        error text,
        attempts int NOT NULL DEFAULT 0,
        cancel_requested_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX imports_org_created_idx ON imports (org_id, created_at DESC)`);
    await q.query(
      `CREATE UNIQUE INDEX imports_org_idempotency_uq ON imports (org_id, idempotency_key)
       WHERE idempotency_key IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE imports`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE organizations`);
  }
}
