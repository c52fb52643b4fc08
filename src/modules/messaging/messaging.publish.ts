import { quoteLiteral } from '@libs/ingest';
import type { PublishContext, PublishRef, Sql } from '@libs/ingest';

/**
 * One row per message from all its events, in message_outcomes' columns. A message's outcome
 * and latency are read from these at answer time (README "Messaging"): the first event's time (its
 * bucket), the first sent time, the first delivered-or-read time, whether it was read, whether a
 * failed event came; the failure code and the provider's latency of the message are the smallest
 * given (a message's events carry one), and so are its channel, template and campaign.
 */
const OUTCOME_SELECT = `org_id, message_id, min(ts) AS first_ts,
  min(ts) FILTER (WHERE status = 'sent') AS first_sent_ts,
  min(ts) FILTER (WHERE status IN ('delivered', 'read')) AS first_delivered_ts,
  bool_or(status = 'read') AS is_read,
  bool_or(status = 'failed') AS is_failed,
  min(error_code) FILTER (WHERE status = 'failed') AS error_code,
  min(delivery_latency_ms) FILTER (WHERE status IN ('delivered', 'read')) AS provider_latency_ms,
  min(channel) AS channel, min(template_id) AS template_id, min(campaign_id) AS campaign_id,
  count(*)::int AS events`;
const OUTCOME_COLUMNS =
  'org_id, message_id, first_ts, first_sent_ts, first_delivered_ts, is_read, is_failed, error_code, provider_latency_ms, channel, template_id, campaign_id, events';

/**
 * In the publish transaction (under the organization's publish lock for the kind): the outcomes
 * of the messages this import has events of, from their events in every live import of the
 * organization and this one. The first import of an organization is grouped alone.
 */
export async function publishMessageEvents(ctx: PublishContext, ref: PublishRef): Promise<void> {
  const others = await liveImports(ctx.sql, ref);
  await ctx.step('outcomes', async () => {
    const state = await outcomeRows(ctx.sql, ref.orgId);
    if (state !== 'rows') {
      await buildOutcomePartition(ctx.sql, ref.orgId, [...others, ref.importId], state === 'empty');
      return;
    }
    await rewriteOutcomes(ctx.sql, ref, [...others, ref.importId]);
  });
}

/** The organization's partition of message_outcomes. */
export function outcomePartition(orgId: string): string {
  return `message_outcomes_o_${quoteLiteral(orgId).slice(1, -1).replace(/-/g, '')}`;
}

/** Whether the organization's partition is missing, empty, or holds outcomes. */
async function outcomeRows(sql: Sql, orgId: string): Promise<'none' | 'empty' | 'rows'> {
  const name = outcomePartition(orgId);
  const [{ exists }] = await sql<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [name]);
  if (!exists) return 'none';
  const [{ has }] = await sql<{ has: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${name}) AS has`);
  return has ? 'rows' : 'empty';
}

/** Makes the organization's partition (empty) when it has none, for inserts through the parent. */
export async function ensureOutcomePartition(sql: Sql, orgId: string): Promise<void> {
  if ((await outcomeRows(sql, orgId)) !== 'none') return;
  const name = outcomePartition(orgId);
  await sql(`CREATE TABLE ${name} (LIKE message_outcomes INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  await sql(`ALTER TABLE ${name} ADD CONSTRAINT ${name}_org_ck CHECK (org_id = ${quoteLiteral(orgId)})`);
  await sql(`ALTER TABLE message_outcomes ATTACH PARTITION ${name} FOR VALUES IN (${quoteLiteral(orgId)})`);
}

/**
 * Writes the organization's partition from its live imports' events in one CREATE TABLE … AS
 * (a parallel hashed GROUP BY), then its key and index (built over the rows, not row by row) and
 * the CHECK that lets ATTACH skip its scan. An empty partition (made by the webhook or a delete)
 * is replaced.
 */
async function buildOutcomePartition(sql: Sql, orgId: string, importIds: string[], isReplacingEmpty: boolean): Promise<void> {
  const name = outcomePartition(orgId);
  if (isReplacingEmpty) {
    await sql(`ALTER TABLE message_outcomes DETACH PARTITION ${name}`);
    await sql(`DROP TABLE ${name}`);
  }
  await sql(`SET LOCAL parallel_setup_cost = 0`);
  await sql(`SET LOCAL parallel_tuple_cost = 0`);
  await sql(`SET LOCAL enable_sort = off`);
  await sql(
    `CREATE TABLE ${name} AS SELECT ${OUTCOME_SELECT} FROM message_events
     WHERE org_id = ${quoteLiteral(orgId)} AND import_id IN (${importIds.map(quoteLiteral).join(', ')})
     GROUP BY org_id, message_id`,
  );
  await sql(`SET LOCAL enable_sort = on`);
  const notNull = ['org_id', 'message_id', 'first_ts', 'is_read', 'is_failed', 'channel', 'events'];
  await sql(
    `ALTER TABLE ${name} ${notNull.map((c) => `ALTER COLUMN ${c} SET NOT NULL`).join(', ')},
       ADD CONSTRAINT ${name}_org_ck CHECK (org_id = ${quoteLiteral(orgId)}), ADD PRIMARY KEY (org_id, message_id)`,
  );
  await sql(`CREATE INDEX ${name}_first_idx ON ${name} (org_id, first_ts)`);
  await sql(`ALTER TABLE message_outcomes ATTACH PARTITION ${name} FOR VALUES IN (${quoteLiteral(orgId)})`);
  // Filtered answers plan their scans of it from these statistics (without, a bitmap scan and an on-disk sort).
  await sql(`ANALYZE ${name}`);
  await sql(`SELECT refresh_message_slots($1, NULL)`, [orgId]);
}

/** In the transaction hiding a published import: its messages' outcomes from the other live imports' events (none left: gone). */
export async function hideMessageEvents(sql: Sql, ref: PublishRef): Promise<void> {
  await rewriteOutcomes(sql, ref, await liveImports(sql, ref));
}

/** Rewrites the outcomes of the messages `ref`'s partition has events of, from `importIds`' events. */
async function rewriteOutcomes(sql: Sql, ref: PublishRef, importIds: string[]): Promise<void> {
  const touched = `mo_touched_${ref.importId.replace(/-/g, '')}`;
  await sql(`CREATE TEMP TABLE ${touched} ON COMMIT DROP AS SELECT DISTINCT message_id FROM ${ref.partition}`);
  await rewriteOutcomesOf(sql, ref.orgId, touched, importIds);
  await sql(`DROP TABLE ${touched}`);
}

/**
 * Rewrites the outcomes of the messages listed in `touched` (a table with a message_id column)
 * from their events in `importIds` (none: the outcomes go).
 */
export async function rewriteOutcomesOf(sql: Sql, orgId: string, touched: string, importIds: string[]): Promise<void> {
  await ensureOutcomePartition(sql, orgId);
  await sql(`ANALYZE ${touched}`);
  // The quarter hours the messages leave and enter (message_slots), rewritten after them.
  const slots = `mo_slots_${touched}`;
  await sql(`CREATE TEMP TABLE ${slots} (slot timestamptz) ON COMMIT DROP`);
  await sql(
    `WITH gone AS (DELETE FROM message_outcomes o USING ${touched} t WHERE o.org_id = $1 AND o.message_id = t.message_id RETURNING o.first_ts)
     INSERT INTO ${slots} SELECT DISTINCT message_slot(first_ts) FROM gone`,
    [orgId],
  );
  if (importIds.length > 0) {
    await sql(
      `WITH made AS (
         INSERT INTO message_outcomes (${OUTCOME_COLUMNS})
         SELECT ${OUTCOME_SELECT} FROM message_events e
         WHERE e.org_id = $1 AND e.import_id = ANY($2::uuid[]) AND e.message_id IN (SELECT message_id FROM ${touched})
         GROUP BY org_id, message_id
         RETURNING first_ts
       )
       INSERT INTO ${slots} SELECT DISTINCT message_slot(first_ts) FROM made`,
      [orgId, importIds],
    );
  }
  await sql(`SELECT refresh_message_slots($1, (SELECT coalesce(array_agg(DISTINCT slot), '{}') FROM ${slots}))`, [orgId]);
  await sql(`DROP TABLE ${slots}`);
}

/** The organization's other live (published, not deleted) message-events imports. */
async function liveImports(sql: Sql, ref: PublishRef): Promise<string[]> {
  const rows = await sql<{ id: string }>(`SELECT id FROM imports WHERE org_id = $1 AND kind = 'message-events' AND status = 'COMPLETED' AND deleted_at IS NULL AND id <> $2`, [
    ref.orgId,
    ref.importId,
  ]);
  return rows.map((r) => r.id);
}
