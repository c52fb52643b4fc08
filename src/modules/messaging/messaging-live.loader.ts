import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '@config/app-config';
import { attachImportTable, createImportTable, partitionName, publishLockKey, Sql } from '@libs/ingest';
import { rewriteOutcomesOf } from './messaging.publish';
import { DataVersions } from '@common/cache/data-versions';
import { modifiedRows } from '@common/modified-rows';

/** How often the inbox is looked at: events are visible well within the 2 s the webhook promises. */
const TICK_MS = 250;
/** Inbox rows loaded per transaction (one organization at a time). */
const BATCH_ROWS = 500;
const TABLE = 'message_events';

/**
 * Loads acknowledged webhook events (webhook_inbox) into each organization's live import of kind
 * message-events, in micro-batches: one organization per transaction, under its publish lock
 * for the kind (as an import's publish), inbox rows taken with SKIP LOCKED so several processes
 * share the work and each row is loaded once. An event already held (the same message, status
 * and instant, in this import or another live one) is counted as DUPLICATE_EVENT and not stored
 * again; the messages touched get their outcomes rewritten and the data version moves, so answers
 * show them at once. Runs in processes that run workers.
 */
@Injectable()
export class MessagingLiveLoader implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MessagingLiveLoader.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly dataVersions: DataVersions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runsWorkers) {
      this.timer = setInterval(() => void this.tick(), TICK_MS);
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Loads everything in the inbox; returns the inbox rows loaded. */
  private async drain(): Promise<number> {
    let total = 0;
    for (let n = await this.loadBatch(); n > 0; n = await this.loadBatch()) total += n;
    return total;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.drain()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn({ err }, 'Loading webhook events failed; they stay in the inbox for the next try'))
      .finally(() => (this.running = null));
    await this.running;
  }

  /** One organization's next inbox rows, loaded in one transaction; 0 when the inbox is empty. */
  private async loadBatch(): Promise<number> {
    let bumped: { orgId: string; version: string } | undefined;
    const loaded = await this.db.transaction(async (em) => {
      const sql: Sql = async <T>(text: string, params?: unknown[]) => await em.query<T[]>(text, params);
      const head = await sql<{ org_id: string }>(`SELECT org_id FROM webhook_inbox ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`);
      if (head.length === 0) return 0;
      const orgId = head[0].org_id;
      await sql('SELECT pg_advisory_xact_lock(hashtext($1))', [publishLockKey(TABLE, orgId)]);
      const rows = await sql<{ id: string }>(`SELECT id FROM webhook_inbox WHERE org_id = $1 ORDER BY id LIMIT ${BATCH_ROWS} FOR UPDATE SKIP LOCKED`, [orgId]);
      const ids = rows.map((r) => r.id);
      const importId = await this.liveImport(sql, orgId);
      const partition = partitionName(TABLE, importId);
      const others = (
        await sql<{ id: string }>(`SELECT id FROM imports WHERE org_id = $1 AND kind = 'message-events' AND status = 'COMPLETED' AND deleted_at IS NULL AND id <> $2`, [
          orgId,
          importId,
        ])
      ).map((r) => r.id);

      await sql(
        `CREATE TEMP TABLE wh_events ON COMMIT DROP AS
        SELECT x.m AS message_id, x.s AS status, x.t::timestamptz AS ts, x.r AS recipient_id, x.c AS conversation_id, x.e AS error_code
        FROM webhook_inbox i, jsonb_to_recordset(i.events) AS x(m text, s text, t text, r text, c text, e text)
        WHERE i.id = ANY($1::bigint[])`,
        [ids],
      );
      const [{ n: received }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM wh_events`);
      const [{ base }] = await sql<{ base: string }>(`SELECT rows_read::text AS base FROM imports WHERE id = $1`, [importId]);
      const inserted = await sql<{ message_id: string }>(
        `INSERT INTO ${partition} (line_no, message_id, status, ts, channel, recipient_id, conversation_id, error_code, retry_count)
         SELECT $1::bigint + row_number() OVER (ORDER BY w.ts, w.message_id, w.status), w.message_id, w.status, w.ts, 'whatsapp', w.recipient_id, w.conversation_id, w.error_code, 0
         FROM (SELECT DISTINCT ON (message_id, status, ts) * FROM wh_events ORDER BY message_id, status, ts) w
         WHERE NOT EXISTS (
           SELECT 1 FROM message_events e
           WHERE e.org_id = $2 AND e.import_id = ANY($3::uuid[]) AND e.message_id = w.message_id AND e.status = w.status AND e.ts = w.ts
         )
         ON CONFLICT DO NOTHING
         RETURNING message_id`,
        [base, orgId, others],
      );
      const repeats = received - inserted.length;
      if (inserted.length > 0) {
        await sql(`CREATE TEMP TABLE wh_touched ON COMMIT DROP AS SELECT DISTINCT message_id FROM unnest($1::text[]) AS t(message_id)`, [inserted.map((r) => r.message_id)]);
        await rewriteOutcomesOf(sql, orgId, 'wh_touched', [...others, importId]);
        const [row] = await modifiedRows<{ data_version: string }>(em, 'UPDATE organizations SET data_version = data_version + 1 WHERE id = $1 RETURNING data_version::text', [
          orgId,
        ]);
        // Before the commit (see DataVersions), and again once it is committed.
        bumped = { orgId, version: row.data_version };
        await this.dataVersions.announce(orgId, row.data_version);
      }
      await sql(
        `UPDATE imports SET rows_read = rows_read + $2, rows_loaded = rows_loaded + $3, rows_rejected = rows_rejected + $4,
           rejects_by_reason = CASE WHEN $4 > 0 THEN jsonb_set(rejects_by_reason, '{DUPLICATE_EVENT}', to_jsonb(coalesce((rejects_by_reason->>'DUPLICATE_EVENT')::bigint, 0) + $4)) ELSE rejects_by_reason END,
           updated_at = now(), finished_at = now()
         WHERE id = $1`,
        [importId, received, inserted.length, repeats],
      );
      await sql(`DELETE FROM webhook_inbox WHERE id = ANY($1::bigint[])`, [ids]);
      return ids.length;
    });
    if (bumped) await this.dataVersions.announce(bumped.orgId, bumped.version);
    return loaded;
  }

  /**
   * The organization's live import (created with its partition the first time, or after it was
   * deleted): a published import of kind message-events named whatsapp-webhook, its partition
   * indexed from the start (a unique key makes a repeat within it a no-op).
   */
  private async liveImport(sql: Sql, orgId: string): Promise<string> {
    const live = await sql<{ import_id: string }>(
      `SELECT l.import_id FROM messaging_live_imports l JOIN imports i ON i.id = l.import_id
       WHERE l.org_id = $1 AND i.status = 'COMPLETED' AND i.deleted_at IS NULL`,
      [orgId],
    );
    if (live.length > 0) return live[0].import_id;
    const id = randomUUID();
    await sql(
      `INSERT INTO imports (id, org_id, kind, format, status, file_name, file_path, size_bytes, sha256, reject_threshold, created_at, updated_at, started_at, finished_at, indexed_at)
       VALUES ($1, $2, 'message-events', 'ndjson', 'COMPLETED', 'whatsapp-webhook', '', 0, '', 1, now(), now(), now(), now(), now())`,
      [id, orgId],
    );
    const partition = await createImportTable(sql, TABLE, orgId, id);
    await sql(`CREATE UNIQUE INDEX ${partition}_event_key ON ${partition} (message_id, status, ts)`);
    await sql(`CREATE INDEX ${partition}_ts_idx ON ${partition} (ts)`);
    await sql(`CREATE INDEX ${partition}_message_idx ON ${partition} (message_id, ts)`);
    await attachImportTable(sql, TABLE, id);
    await sql(`INSERT INTO messaging_live_imports (org_id, import_id) VALUES ($1, $2) ON CONFLICT (org_id) DO UPDATE SET import_id = EXCLUDED.import_id`, [orgId, id]);
    return id;
  }
}
