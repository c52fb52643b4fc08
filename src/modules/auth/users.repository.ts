import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { modifiedRows } from '@common/modified-rows';
import type { RateLimits } from '@common/rate-limit/rate-limits';
import type { Role } from './entities/api-key.entity';

export interface UserRow {
  id: string;
  org_id: string;
  email: string;
  role: Role;
  password_hash: string | null;
  password_set_token_expires_at: Date | null;
  password_changed_at: Date | null;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface RefreshRow {
  session_id: string;
  used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date;
  user_id: string;
  org_id: string;
  role: Role;
  email: string;
}

const USER_COLUMNS = `id, org_id, email, role, password_hash, password_set_token_expires_at, password_changed_at, last_login_at, created_at, updated_at`;

/** Users, their logins (sessions) and refresh tokens: plain SQL, every statement scoped by organization where a caller names an id. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * A live session, its user's current role and the organization's data version: one indexed read
   * per request made with an access token, a named statement like the API key lookup.
   */
  async activeSession(sessionId: string): Promise<{ userId: string; orgId: string; role: Role; dataVersion: string; rateLimits: RateLimits | null } | null> {
    const pool = (this.db.driver as PostgresDriver).master as Pool;
    const { rows } = await pool.query<{ user_id: string; org_id: string; role: Role; data_version: string; rate_limits: RateLimits | null }>({
      name: 'auth_active_session',
      text: `SELECT s.user_id, s.org_id, u.role, o.data_version::text AS data_version, o.rate_limits
             FROM auth_sessions s JOIN users u ON u.id = s.user_id JOIN organizations o ON o.id = s.org_id
             WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
      values: [sessionId],
    });
    return rows.length === 0 ? null : { userId: rows[0].user_id, orgId: rows[0].org_id, role: rows[0].role, dataVersion: rows[0].data_version, rateLimits: rows[0].rate_limits };
  }

  async insertUser(orgId: string, email: string, role: Role, tokenHash: string, tokenExpiresAt: Date, createdBy: string): Promise<UserRow> {
    const [row] = await this.db.query<UserRow[]>(
      `INSERT INTO users (org_id, email, role, password_set_token_hash, password_set_token_expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${USER_COLUMNS}`,
      [orgId, email, role, tokenHash, tokenExpiresAt, createdBy],
    );
    return row;
  }

  listUsers(orgId: string): Promise<UserRow[]> {
    return this.db.query(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY created_at, id`, [orgId]);
  }

  async user(orgId: string, id: string): Promise<UserRow | null> {
    const [row] = await this.db.query<UserRow[]>(`SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 AND id = $2`, [orgId, id]);
    return row ?? null;
  }

  async userByEmail(email: string): Promise<UserRow | null> {
    const [row] = await this.db.query<UserRow[]>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1)`, [email]);
    return row ?? null;
  }

  async updateRole(orgId: string, id: string, role: Role): Promise<UserRow | null> {
    const [row] = await modifiedRows<UserRow>(this.db, `UPDATE users SET role = $3, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`, [orgId, id, role]);
    return row ?? null;
  }

  async deleteUser(orgId: string, id: string): Promise<boolean> {
    return (await modifiedRows(this.db, `DELETE FROM users WHERE org_id = $1 AND id = $2 RETURNING id`, [orgId, id])).length > 0;
  }

  async setPasswordToken(orgId: string, id: string, tokenHash: string, expiresAt: Date): Promise<UserRow | null> {
    const [row] = await modifiedRows<UserRow>(
      this.db,
      `UPDATE users SET password_set_token_hash = $3, password_set_token_expires_at = $4, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
      [orgId, id, tokenHash, expiresAt],
    );
    return row ?? null;
  }

  /** Redeems a password-set token once: the token is cleared in the statement that sets the password, and the user's logins end. */
  async redeemPasswordToken(tokenHash: string, passwordHash: (email: string) => Promise<string>): Promise<UserRow | 'EXPIRED' | null> {
    return this.db.transaction(async (m) => {
      const [user] = await m.query<UserRow[]>(`SELECT ${USER_COLUMNS} FROM users WHERE password_set_token_hash = $1 FOR UPDATE`, [tokenHash]);
      if (!user) return null;
      if (!user.password_set_token_expires_at || user.password_set_token_expires_at.getTime() < Date.now()) return 'EXPIRED';
      const hash = await passwordHash(user.email);
      await m.query(
        `UPDATE users SET password_hash = $2, password_set_token_hash = NULL, password_set_token_expires_at = NULL,
           password_changed_at = now(), updated_at = now() WHERE id = $1`,
        [user.id, hash],
      );
      await this.revokeUserSessions(m, user.id, 'password-set');
      return user;
    });
  }

  /** Starts a login: its session and first refresh token. */
  async createSession(user: UserRow, refreshHash: string, expiresAt: Date, ip: string | null, userAgent: string | null): Promise<string> {
    return this.db.transaction(async (m) => {
      const [session] = await m.query<Array<{ id: string }>>(`INSERT INTO auth_sessions (user_id, org_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
        user.id,
        user.org_id,
        expiresAt,
        ip,
        userAgent?.slice(0, 300) ?? null,
      ]);
      await m.query(`INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [refreshHash, session.id]);
      await m.query(`UPDATE users SET last_login_at = now() WHERE id = $1`, [user.id]);
      return session.id;
    });
  }

  /**
   * Rotates a refresh token in one transaction: the presented token is locked; unused and its
   * session live → marked used and the next one inserted; already used → the whole session (the
   * token family) is revoked, since someone is replaying a stolen token.
   */
  rotateRefresh(oldHash: string, newHash: string): Promise<{ outcome: 'ROTATED' | 'REUSED' | 'ENDED' | 'UNKNOWN'; row?: RefreshRow }> {
    return this.db.transaction(async (m) => {
      const [row] = await m.query<RefreshRow[]>(
        `SELECT t.session_id, t.used_at, s.revoked_at, s.expires_at, s.user_id, s.org_id, u.role, u.email
         FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
         WHERE t.token_hash = $1 FOR UPDATE OF t, s`,
        [oldHash],
      );
      if (!row) return { outcome: 'UNKNOWN' };
      if (row.revoked_at || row.expires_at.getTime() <= Date.now()) return { outcome: 'ENDED', row };
      if (row.used_at) {
        await m.query(`UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'refresh-token-reuse' WHERE id = $1`, [row.session_id]);
        return { outcome: 'REUSED', row };
      }
      await m.query(`UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1`, [oldHash]);
      await m.query(`INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [newHash, row.session_id]);
      await m.query(`UPDATE auth_sessions SET refreshed_at = now() WHERE id = $1`, [row.session_id]);
      return { outcome: 'ROTATED', row };
    });
  }

  async sessionOfRefresh(tokenHash: string): Promise<{ session_id: string; user_id: string; org_id: string } | null> {
    const [row] = await this.db.query<Array<{ session_id: string; user_id: string; org_id: string }>>(
      `SELECT s.id AS session_id, s.user_id, s.org_id FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id WHERE t.token_hash = $1`,
      [tokenHash],
    );
    return row ?? null;
  }

  async revokeSession(sessionId: string, reason: string): Promise<boolean> {
    return (
      (await modifiedRows(this.db, `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [sessionId, reason]))
        .length > 0
    );
  }

  async revokeUserSessions(m: EntityManager | DataSource, userId: string, reason: string): Promise<string[]> {
    const rows = await modifiedRows<{ id: string }>(m, `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [
      userId,
      reason,
    ]);
    return rows.map((r) => r.id);
  }

  get source(): DataSource {
    return this.db;
  }
}
