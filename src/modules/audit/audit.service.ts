import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { currentRequest } from '@common/request-context';
import type { AuthContext } from '@modules/auth/auth.context';

export type AuditActor = Pick<AuthContext, 'orgId' | 'actorType' | 'actorId'> | { orgId: string | null; actorType: 'anonymous' | 'system'; actorId: string | null };

export interface AuditEntry {
  action: string;
  target?: { type: string; id: string | null };
  details?: Record<string, unknown>;
}

export interface AuditEventRow {
  id: string;
  at: Date;
  org_id: string | null;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  action?: string;
  actorId?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  before?: string;
  limit: number;
}

/**
 * The audit log: every change (keys, users, organizations, imports, schedules, templates,
 * delivery secrets) and every login, with who, from where and under which request id.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Writes one event. Awaited by the caller so the event is stored when the answer goes out; a
   * failure to write it is logged, not turned into a failed request for a change already made.
   */
  async record(actor: AuditActor, entry: AuditEntry): Promise<void> {
    const req = currentRequest();
    try {
      await this.db.query(
        `INSERT INTO audit_events (org_id, actor_type, actor_id, action, target_type, target_id, ip, request_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          actor.orgId,
          actor.actorType,
          actor.actorId,
          entry.action,
          entry.target?.type ?? null,
          entry.target?.id ?? null,
          req?.ip ?? null,
          req?.requestId ?? null,
          entry.details ? JSON.stringify(entry.details) : null,
        ],
      );
    } catch (err) {
      this.logger.error({ err, action: entry.action }, 'audit event not written');
    }
  }

  async list(orgId: string, q: AuditQuery): Promise<AuditEventRow[]> {
    const where = ['org_id = $1'];
    const params: unknown[] = [orgId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.action) add(q.action.endsWith('.*') ? `action LIKE ?` : `action = ?`, q.action.endsWith('.*') ? `${q.action.slice(0, -1)}%` : q.action);
    if (q.actorId) add('actor_id = ?', q.actorId);
    if (q.targetId) add('target_id = ?', q.targetId);
    if (q.from) add('at >= ?', q.from);
    if (q.to) add('at < ?', q.to);
    if (q.before) add('id < ?', q.before);
    params.push(q.limit);
    return this.db.query(
      `SELECT id::text, at, org_id, actor_type, actor_id, action, target_type, target_id, ip, request_id, details
       FROM audit_events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Removes events older than the retention; returns how many went. */
  async expire(retentionDays: number): Promise<number> {
    const [, count] = await this.db.query<[unknown, number]>(`DELETE FROM audit_events WHERE at < now() - make_interval(days => $1)`, [retentionDays]);
    return count ?? 0;
  }
}
