import { partitionName, quoteLiteral } from '@libs/ingest';
import type { PublishContext, PublishRef, Sql } from '@libs/ingest';
import { attachImportTable } from '@libs/ingest';

export const MARKETING_ROLLUP_TABLES = ['marketing_daily', 'marketing_superseded'];

const KEY = ['platform', 'campaign_id', 'ad_group_id', 'ad_id', 'day'];
/** A row's group and figures, as the scratch tables of restatements carry them. */
const ROW_FIGURES = 'm.platform, m.campaign_id, m.ad_group_id, m.ad_id, m.currency, m.day, m.campaign_name, m.impressions, m.clicks, m.conversions, m.cost_cents, m.revenue_cents';
/** What a superseded row's entry keeps of the row besides its line (migration 9): keys and figures. */
const KEPT = ['platform', 'campaign_id', 'ad_group_id', 'ad_id', 'currency', 'day', 'impressions', 'clicks', 'conversions', 'cost_cents', 'revenue_cents'];
/** The row figures that differ between two rows of one key (the key columns are equal by the join). */
const OWN = ['currency', 'impressions', 'clicks', 'conversions', 'cost_cents', 'revenue_cents'];
const SUMMED = ['row_count', 'impressions', 'clicks', 'conversions', 'cost_cents', 'revenue_cents'];
const DAILY_COLUMNS = 'platform, campaign_id, currency, day, campaign_name, row_count, impressions, clicks, conversions, cost_cents, revenue_cents';
const DAILY_SELECT = `platform, campaign_id, currency, day, max(campaign_name) AS campaign_name, count(*)::bigint AS row_count,
  sum(impressions)::bigint AS impressions, sum(clicks)::bigint AS clicks, sum(conversions)::bigint AS conversions,
  sum(cost_cents)::bigint AS cost_cents, sum(revenue_cents)::bigint AS revenue_cents`;

/** Another live import of the organization, and whether it was uploaded after the one at hand. */
interface OtherImport {
  id: string;
  isLater: boolean;
}

/**
 * The condition "row `alias` of the marketing table is current": no later upload holds its key.
 * Superseded rows are listed by (import, line) in marketing_superseded; `imports` (an SQL uuid
 * array, or one uuid literal) names the imports the row may belong to, so only their partitions
 * of it are read.
 */
export function isCurrentRow(alias: string, imports: string): string {
  const only = imports.startsWith("'") ? `s.import_id = ${imports}` : `s.import_id = ANY(${imports})`;
  return `NOT EXISTS (SELECT 1 FROM marketing_superseded s WHERE ${only} AND s.import_id = ${alias}.import_id AND s.line_no = ${alias}.line_no)`;
}

/**
 * In the publish transaction (under the organization's publish lock for the kind): settles which
 * rows are current where this import's keys meet the current rows of the organization's other
 * live imports. The one uploaded last wins: an earlier import's rows are listed as superseded and
 * counted in rows_replaced (when a later upload published first, this import's own rows are).
 * The daily sums of the imports whose rows changed hands are moved by those rows' figures; then
 * this import's daily rollup of its current rows is written and attached.
 */
export async function publishMarketing(ctx: PublishContext, ref: PublishRef): Promise<void> {
  const others = await otherImports(ctx.sql, ref);
  let rowsReplaced = 0;
  if (others.length > 0) {
    rowsReplaced = await ctx.step('restatements', () => settleClashes(ctx.sql, ref, others));
  }
  await ctx.step('daily', async () => {
    const daily = await createDailyTable(ctx.sql, ref);
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
 * again (its superseded entry is removed) and its figures go back into its import's daily sums.
 */
export async function hideMarketing(sql: Sql, ref: PublishRef): Promise<void> {
  const others = await otherImports(sql, ref);
  if (others.length === 0) {
    return;
  }
  await planForBulkJoins(sql);
  // Latest upload first: the row a freed key goes back to is the first by rank.
  const ranked = others.map((o) => o.id);
  const freed = workTable('mk_freed', ref.importId);
  await sql(
    `CREATE UNLOGGED TABLE ${freed} AS
     SELECT DISTINCT ON (${KEY.map((k) => `m.${k}`).join(', ')}) m.import_id AS import_id, m.line_no, ${ROW_FIGURES}
     FROM ${ref.partition} x
     JOIN marketing m ON ${KEY.map((k) => `m.${k} = x.${k}`).join(' AND ')}
     JOIN unnest($2::uuid[]) WITH ORDINALITY AS r(id, rank) ON r.id = m.import_id
     WHERE ${isCurrentRow('x', quoteLiteral(ref.importId))} AND m.org_id = $1 AND m.import_id = ANY($2::uuid[])
     ORDER BY ${KEY.map((k) => `m.${k}`).join(', ')}, r.rank`,
    [ref.orgId, ranked],
  );
  const touched = await sql<{ import_id: string }>(`SELECT DISTINCT import_id FROM ${freed}`);
  for (const { import_id: id } of touched) {
    await sql(`DELETE FROM ${partitionName('marketing_superseded', id)} s USING ${freed} f WHERE f.import_id = $1 AND s.line_no = f.line_no`, [id]);
    await adjustDaily(sql, id, freed, 'add');
  }
  await sql(`DROP TABLE ${freed}`);
}

/**
 * Settings for the rest of the transaction. A join on the five key columns is estimated at a row
 * or so (the planner multiplies their selectivities), and the nested loop it then picked over a
 * re-sent history ran for over ten minutes at 1M rows (a merge join sorting both sides, 13 s);
 * parallel hash joins take 2 s. Nothing else runs
 * now (the load threads are done), so parallel workers are cheap.
 */
async function planForBulkJoins(sql: Sql): Promise<void> {
  await sql(`SET LOCAL enable_nestloop = off`);
  await sql(`SET LOCAL enable_mergejoin = off`);
  await sql(`SET LOCAL parallel_setup_cost = 0`);
  await sql(`SET LOCAL parallel_tuple_cost = 0`);
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
 * one per key): the later upload's row stays current and the other is listed as superseded.
 * Returns how many earlier rows this import replaced.
 */
async function settleClashes(sql: Sql, ref: PublishRef, others: OtherImport[]): Promise<number> {
  await planForBulkJoins(sql);
  // Unanalyzed, the new rows looked few enough to sort for a merge join (13 s for a million).
  await sql(`ANALYZE ${ref.partition}`);
  const [span] = await sql<{ first: string | null; last: string | null }>(`SELECT min(day)::text AS first, max(day)::text AS last FROM ${ref.partition}`);
  if (span.first === null) {
    return 0;
  }
  // Only the other imports' rows within this import's days can share a key. A table of its own,
  // not TEMP: parallel workers cannot write or read those (a re-sent million rows: 7.1 s → 2.2 s).
  const clash = workTable('mk_clash', ref.importId);
  await sql(
    `CREATE UNLOGGED TABLE ${clash} AS
     SELECT m.import_id AS import_id, m.line_no, b.line_no AS own_line, ${OWN.map((c) => `b.${c} AS own_${c}`).join(', ')}, ${ROW_FIGURES}
     FROM ${ref.partition} b
     JOIN marketing m ON ${KEY.map((k) => `m.${k} = b.${k}`).join(' AND ')}
     WHERE m.org_id = $1 AND m.import_id = ANY($2::uuid[]) AND m.day BETWEEN $3::date AND $4::date AND ${isCurrentRow('m', '$2::uuid[]')}`,
    [ref.orgId, others.map((o) => o.id), span.first, span.last],
  );
  const clashing = await sql<{ import_id: string; n: string }>(`SELECT import_id, count(*)::text AS n FROM ${clash} GROUP BY 1`);
  let replaced = 0;
  for (const { import_id: id, n } of clashing) {
    if (others.find((o) => o.id === id)?.isLater) {
      // Uploaded after this one but published first: its rows stay current, this import's lose
      // (before this import's daily rollup is built, which leaves them out).
      const own = KEPT.map((c) => (OWN.includes(c) ? `own_${c}` : c)).join(', ');
      await addSuperseded(sql, ref.orgId, ref.importId, `SELECT own_line, import_id, ${own} FROM ${clash} WHERE import_id = ${quoteLiteral(id)}`);
      continue;
    }
    await addSuperseded(sql, ref.orgId, id, `SELECT line_no, ${quoteLiteral(ref.importId)}::uuid, ${KEPT.join(', ')} FROM ${clash} WHERE import_id = ${quoteLiteral(id)}`);
    await adjustDaily(sql, id, clash, 'subtract');
    replaced += Number(n);
  }
  await sql(`DROP TABLE ${clash}`);
  return replaced;
}

/**
 * Lists rows of `importId` as superseded: `rows` selects (line_no, superseded_by, then the row's
 * KEPT columns: ad-level sums subtract the superseded rows' figures). The first time,
 * the import's partition of marketing_superseded is made by CREATE TABLE … AS (parallel; an
 * INSERT of a million rows took 2.8 s), then shaped like the parent and attached; later times
 * insert into it. Indexed by line (so "is this row current" is a probe whatever the plan) and
 * analyzed.
 */
async function addSuperseded(sql: Sql, orgId: string, importId: string, rows: string): Promise<void> {
  const table = partitionName('marketing_superseded', importId);
  const [exists] = await sql<{ one: number }>(`SELECT 1 AS one FROM pg_class WHERE oid = to_regclass($1)`, [table]);
  if (exists) {
    await sql(`INSERT INTO ${table} (line_no, superseded_by, ${KEPT.join(', ')}) ${rows}`);
  } else {
    await sql(
      `CREATE TABLE ${table} AS SELECT ${quoteLiteral(orgId)}::uuid AS org_id, ${quoteLiteral(importId)}::uuid AS import_id, r.*
       FROM (${rows}) AS r(line_no, superseded_by, ${KEPT.join(', ')})`,
    );
    await sql(
      `ALTER TABLE ${table} ${['org_id', 'import_id', 'line_no', 'superseded_by', ...KEPT].map((c) => `ALTER COLUMN ${c} SET NOT NULL`).join(', ')},
         ALTER COLUMN org_id SET DEFAULT ${quoteLiteral(orgId)},
         ALTER COLUMN import_id SET DEFAULT ${quoteLiteral(importId)}, ADD CONSTRAINT ${table}_import_ck CHECK (import_id = ${quoteLiteral(importId)})`,
    );
    await attachImportTable(sql, 'marketing_superseded', importId);
  }
  await sql(`CREATE INDEX IF NOT EXISTS ${table}_line_idx ON ${table} (line_no)`);
  await sql(`ANALYZE ${table}`);
}

/**
 * The import's partition of marketing_daily, made by CREATE TABLE … AS: unlike INSERT … SELECT it
 * may run in parallel, and nothing else runs now (the load threads are done), so the GROUP BY
 * over millions of rows gets both cores. Hashed, never sorted: with the partition analyzed (a
 * restatement), the planner sorted 3.3M rows per worker on disk for a GroupAggregate (18 s at 10M
 * rows against 6.4 s hashed). The groups are then written in day order, so a window of days reads
 * a run of pages instead of rows spread over the whole table (a 30-day window of a 10M-row import
 * touched every one of its 10K pages: 470 ms with cold buffers); the sort costs ~1 s at 10M rows.
 * Shaped like the parent afterwards (NOT NULL, defaults, the CHECK that lets ATTACH skip its scan).
 */
async function createDailyTable(sql: Sql, ref: PublishRef): Promise<string> {
  const daily = partitionName('marketing_daily', ref.importId);
  await planForBulkJoins(sql);
  await sql(`SET LOCAL enable_sort = off`);
  await sql(
    `CREATE TABLE ${daily} AS
     SELECT * FROM (
       SELECT ${quoteLiteral(ref.orgId)}::uuid AS org_id, ${quoteLiteral(ref.importId)}::uuid AS import_id, ${DAILY_SELECT}
       FROM ${ref.partition} m WHERE ${isCurrentRow('m', quoteLiteral(ref.importId))} GROUP BY platform, campaign_id, currency, day
       OFFSET 0
     ) g ORDER BY day, campaign_id`,
  );
  await sql(`SET LOCAL enable_sort = on`);
  const notNull = ['org_id', 'import_id', 'platform', 'campaign_id', 'currency', 'day', 'row_count', 'impressions', 'clicks', 'conversions', 'cost_cents', 'revenue_cents'];
  await sql(
    `ALTER TABLE ${daily} ${notNull.map((c) => `ALTER COLUMN ${c} SET NOT NULL`).join(', ')},
       ALTER COLUMN org_id SET DEFAULT ${quoteLiteral(ref.orgId)}, ALTER COLUMN import_id SET DEFAULT ${quoteLiteral(ref.importId)},
       ADD CONSTRAINT ${daily}_import_ck CHECK (import_id = ${quoteLiteral(ref.importId)})`,
  );
  return daily;
}

/**
 * Moves an import's daily sums by the rows of it that `changed` lists for it (with their figures):
 * `subtract` when they were superseded (a group left with no row goes), `add` when they became
 * current again (a group that had gone comes back). Exact integer sums; the campaign name of a
 * group stays as it was unless the group comes back.
 */
async function adjustDaily(sql: Sql, importId: string, changed: string, direction: 'add' | 'subtract'): Promise<void> {
  const daily = partitionName('marketing_daily', importId);
  const delta = workTable('mk_delta', importId);
  const sign = direction === 'add' ? '+' : '-';
  const match = ['platform', 'campaign_id', 'currency', 'day'].map((k) => `d.${k} = c.${k}`).join(' AND ');
  await sql(`CREATE UNLOGGED TABLE ${delta} AS SELECT ${DAILY_SELECT} FROM ${changed} WHERE import_id = ${quoteLiteral(importId)} GROUP BY 1, 2, 3, 4`);
  if (direction === 'subtract') {
    await sql(`DELETE FROM ${daily} d USING ${delta} c WHERE ${match} AND d.row_count = c.row_count`);
  }
  await sql(
    `UPDATE ${daily} d SET ${SUMMED.map((k) => `${k} = d.${k} ${sign} c.${k}`).join(', ')}
     FROM ${delta} c WHERE ${match}`,
  );
  if (direction === 'add') {
    await sql(
      `INSERT INTO ${daily} (${DAILY_COLUMNS}) SELECT ${DAILY_COLUMNS} FROM ${delta} c
       WHERE NOT EXISTS (SELECT 1 FROM ${daily} d WHERE ${match})`,
    );
  }
  await sql(`DROP TABLE ${delta}`);
}

/** A scratch table of this transaction, named after the import (two organizations publish at once). */
function workTable(prefix: string, importId: string): string {
  return partitionName(prefix, importId);
}
