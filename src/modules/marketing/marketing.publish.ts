import { attachImportTable, createImportTable, partitionName } from '@libs/ingest';
import type { PublishContext, PublishRef, Sql } from '@libs/ingest';

export const MARKETING_ROLLUP_TABLES = ['marketing_daily'];

const KEY = ['platform', 'campaign_id', 'ad_group_id', 'ad_id', 'day'];
const DAILY_COLUMNS = 'platform, campaign_id, currency, day, campaign_name, row_count, impressions, clicks, conversions, cost_cents, revenue_cents';
const DAILY_SELECT = `platform, campaign_id, currency, day, max(campaign_name), count(*), sum(impressions)::bigint, sum(clicks)::bigint,
  sum(conversions)::bigint, sum(cost_cents)::bigint, sum(revenue_cents)::bigint`;

/** Another live import of the organization, and whether it was uploaded after the one at hand. */
interface OtherImport {
  id: string;
  isLater: boolean;
}

/**
 * In the publish transaction (under the organization's publish lock for the kind): settles which
 * rows are current where this import's keys meet those of the organization's other live imports
 * (the one uploaded last wins: an earlier import's rows are flagged superseded and counted in
 * rows_replaced; when a later upload published first, this import's own rows are), recomputes the
 * daily sums of the campaigns and days that changed hands, then writes and attaches this import's
 * daily rollup of its current rows.
 */
export async function publishMarketing(ctx: PublishContext, ref: PublishRef): Promise<void> {
  const others = await otherImports(ctx.sql, ref);
  let rowsReplaced = 0;
  if (others.length > 0) {
    rowsReplaced = await ctx.step('restatements', () => settleClashes(ctx.sql, ref, others));
  }
  await ctx.step('daily', async () => {
    const daily = await createImportTable(ctx.sql, 'marketing_daily', ref.orgId, ref.importId);
    await ctx.sql(`INSERT INTO ${daily} (${DAILY_COLUMNS}) SELECT ${DAILY_SELECT} FROM ${ref.partition} WHERE NOT is_superseded GROUP BY 1, 2, 3, 4`);
    await ctx.sql(`CREATE INDEX ${daily}_day_idx ON ${daily} (day, campaign_id)`);
    await ctx.sql(`CREATE INDEX ${daily}_campaign_idx ON ${daily} (campaign_id, day)`);
    await ctx.sql(`ANALYZE ${daily}`);
    await attachImportTable(ctx.sql, 'marketing_daily', ref.importId);
  });
  await ctx.sql('UPDATE imports SET rows_replaced = $2 WHERE id = $1', [ref.importId, rowsReplaced]);
}

/**
 * In the transaction hiding a published import (under the same lock): for each key whose current
 * row was this import's, the row of the latest other live import holding the key becomes current
 * again, and the daily sums of the campaigns and days concerned are recomputed.
 */
export async function hideMarketing(sql: Sql, ref: PublishRef): Promise<void> {
  const others = await otherImports(sql, ref);
  if (others.length === 0) {
    return;
  }
  // Latest upload first: its row is the one a freed key goes back to.
  const ranked = others.map((o) => o.id);
  await sql(
    `CREATE TEMP TABLE mk_freed ON COMMIT DROP AS
     SELECT DISTINCT ON (${KEY.map((k) => `m.${k}`).join(', ')}) m.import_id AS import_id, m.ctid AS tid, m.platform, m.campaign_id, m.day
     FROM ${ref.partition} x
     JOIN marketing m ON ${KEY.map((k) => `m.${k} = x.${k}`).join(' AND ')}
     JOIN unnest($2::uuid[]) WITH ORDINALITY AS r(id, rank) ON r.id = m.import_id
     WHERE NOT x.is_superseded AND m.org_id = $1 AND m.import_id = ANY($2::uuid[])
     ORDER BY ${KEY.map((k) => `m.${k}`).join(', ')}, r.rank`,
    [ref.orgId, ranked],
  );
  const touched = await sql<{ import_id: string }>(`SELECT DISTINCT import_id FROM mk_freed`);
  for (const { import_id: id } of touched) {
    const partition = partitionName('marketing', id);
    await sql(`UPDATE ${partition} SET is_superseded = false WHERE ctid = ANY(ARRAY(SELECT tid FROM mk_freed WHERE import_id = $1))`, [id]);
    await recomputeDaily(sql, id, 'mk_freed');
  }
  await sql('DROP TABLE mk_freed');
}

/** The organization's other live marketing imports, latest upload first. */
async function otherImports(sql: Sql, ref: PublishRef): Promise<OtherImport[]> {
  const rows = await sql<{ id: string; is_later: boolean }>(
    `SELECT o.id, (o.created_at, o.id) > (me.created_at, me.id) AS is_later
     FROM imports o, imports me
     WHERE me.id = $2 AND o.org_id = $1 AND o.kind = 'marketing' AND o.status = 'COMPLETED' AND o.deleted_at IS NULL AND o.id <> $2
     ORDER BY o.created_at DESC, o.id DESC`,
    [ref.orgId, ref.importId],
  );
  return rows.map((r) => ({ id: r.id, isLater: r.is_later }));
}

/**
 * Where this import and another live one hold the same key, only the current row counts (there is
 * one per key): the later upload's row stays current and the other is flagged. Returns how many
 * earlier rows this import replaced.
 */
async function settleClashes(sql: Sql, ref: PublishRef, others: OtherImport[]): Promise<number> {
  await sql(
    `CREATE TEMP TABLE mk_clash ON COMMIT DROP AS
     SELECT m.import_id AS import_id, m.ctid AS other_tid, b.ctid AS own_tid, m.platform, m.campaign_id, m.day
     FROM ${ref.partition} b
     JOIN marketing m ON ${KEY.map((k) => `m.${k} = b.${k}`).join(' AND ')}
     WHERE m.org_id = $1 AND m.import_id = ANY($2::uuid[]) AND NOT m.is_superseded`,
    [ref.orgId, others.map((o) => o.id)],
  );
  const clashing = await sql<{ import_id: string }>(`SELECT DISTINCT import_id FROM mk_clash`);
  let replaced = 0;
  for (const { import_id: id } of clashing) {
    if (others.find((o) => o.id === id)?.isLater) {
      // Uploaded after this one but published first: its rows stay current.
      await sql(`UPDATE ${ref.partition} SET is_superseded = true WHERE ctid = ANY(ARRAY(SELECT own_tid FROM mk_clash WHERE import_id = $1))`, [id]);
      continue;
    }
    const rows = await sql(
      `UPDATE ${partitionName('marketing', id)} SET is_superseded = true WHERE ctid = ANY(ARRAY(SELECT other_tid FROM mk_clash WHERE import_id = $1)) RETURNING 1`,
      [id],
    );
    replaced += rows.length;
    await recomputeDaily(sql, id, 'mk_clash');
  }
  await sql('DROP TABLE mk_clash');
  return replaced;
}

/**
 * Rewrites an import's daily sums, from its current rows, for the (platform, campaign, day)
 * groups of its rows listed in `changed` (mk_clash or mk_freed).
 */
async function recomputeDaily(sql: Sql, importId: string, changed: 'mk_clash' | 'mk_freed'): Promise<void> {
  const daily = partitionName('marketing_daily', importId);
  const rows = partitionName('marketing', importId);
  await sql(`CREATE TEMP TABLE mk_groups ON COMMIT DROP AS SELECT DISTINCT platform, campaign_id, day FROM ${changed} WHERE import_id = $1`, [importId]);
  await sql(`DELETE FROM ${daily} d USING mk_groups g WHERE d.platform = g.platform AND d.campaign_id = g.campaign_id AND d.day = g.day`);
  await sql(
    `INSERT INTO ${daily} (${DAILY_COLUMNS})
     SELECT ${DAILY_SELECT} FROM ${rows} m
     WHERE NOT m.is_superseded AND (m.platform, m.campaign_id, m.day) IN (SELECT platform, campaign_id, day FROM mk_groups)
     GROUP BY 1, 2, 3, 4`,
  );
  await sql('DROP TABLE mk_groups');
}
