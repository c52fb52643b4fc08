import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People who log in with a password, their sessions, and the audit log.
 *
 * users: one organization each, a role, an argon2id hash. An e-mail address is unique across
 * organizations (login names the address, not the organization). A new user has no password; an
 * admin hands over a one-time password-set token (its sha256 is stored, with an expiry).
 *
 * auth_sessions: one login. Its refresh tokens form a family: each refresh marks the token it
 * redeems used and issues the next; redeeming a used one again revokes the session (the family),
 * and so every access token that names it, since each request checks its session.
 *
 * api_keys.platform_admin: the platform-level role that may create organizations; the bootstrap
 * key has it (existing bootstrap keys are recognised by their name).
 *
 * organizations.rate_limits / quotas: an organization's own rate limits by class and its quotas
 * (stored bytes, imports queued or running), over the platform's. imports_org_active: the count
 * of an organization's queued and running imports, read at every upload (quota, queue rank).
 *
 * audit_events: who changed what, from where, under which request id; kept AUDIT_RETENTION_DAYS.
 */
export class UsersSessionsAudit1764000000014 implements MigrationInterface {
  name = 'UsersSessionsAudit1764000000014';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN platform_admin boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE organizations ADD COLUMN rate_limits jsonb`);
    await q.query(`ALTER TABLE organizations ADD COLUMN quotas jsonb`);
    await q.query(`CREATE INDEX imports_org_active ON imports (org_id) WHERE status IN ('QUEUED', 'PROCESSING') AND deleted_at IS NULL`);
    await q.query(`UPDATE api_keys SET platform_admin = true WHERE name = 'bootstrap-admin' AND role = 'admin'`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        role text NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
        password_hash text,
        password_set_token_hash text,
        password_set_token_expires_at timestamptz,
        password_changed_at timestamptz,
        last_login_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);
    await q.query(`CREATE INDEX users_org ON users (org_id, created_at)`);
    await q.query(`CREATE UNIQUE INDEX users_password_set_token ON users (password_set_token_hash) WHERE password_set_token_hash IS NOT NULL`);
    await q.query(`
      CREATE TABLE auth_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        refreshed_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        ip text,
        user_agent text
      )`);
    await q.query(`CREATE INDEX auth_sessions_user ON auth_sessions (user_id) WHERE revoked_at IS NULL`);
    await q.query(`
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id)`);
    await q.query(`
      CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        org_id uuid,
        actor_type text NOT NULL CHECK (actor_type IN ('api-key', 'user', 'anonymous', 'system')),
        actor_id text,
        action text NOT NULL,
        target_type text,
        target_id text,
        ip text,
        request_id text,
        details jsonb
      )`);
    await q.query(`CREATE INDEX audit_events_org_at ON audit_events (org_id, id DESC)`);
    await q.query(`CREATE INDEX audit_events_at ON audit_events (at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE auth_sessions`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP INDEX imports_org_active`);
    await q.query(`ALTER TABLE organizations DROP COLUMN quotas`);
    await q.query(`ALTER TABLE organizations DROP COLUMN rate_limits`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN platform_admin`);
  }
}
