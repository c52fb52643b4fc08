import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { heavyQuery } from '@common/heavy-query';
import { SqlParams } from '@common/sql-params';
import { Grain, microsToIso, RangeSegment, splitRange, TimeWindow } from '@libs/stats';
import { ImportScope, splitByRollup } from '@common/analytics-scope/analytics-scope.service';
import type { TxStructure } from '@libs/rollups';
import { partitionName } from '@libs/ingest';
import { customerNumbers, hourFloor, microTimes, numbersInWindow } from './customer-hours';

/**
 * What a query may see: one organization's published imports (resolved once per request, in the
 * same snapshot as its data version) and an optional time window. Every query below reads only
 * the scope's partitions, so other imports' (and other organizations') partitions are pruned.
 */
export interface AnalyticsScope extends ImportScope {
  /** Every completed transactions import of the org (merchants "ever seen"). */
  allTransactionImportIds: string[];
  merchantImportIds: string[];
  window: TimeWindow;
}

export interface ImportSummary {
  importId: string;
  histogram: Record<string, number>;
  customers: number;
  unidentified: number;
}

export interface DimTotal {
  key: string;
  count: bigint;
  cents: bigint;
  sqCents: bigint;
}

export interface HourTotal {
  hour: number;
  count: bigint;
  cents: bigint;
}

export interface AnomalyRow {
  transactionId: string;
  amount: string;
  category: string;
  occurredAt: Date;
}

export interface CategoryThreshold {
  category: string;
  minCents: bigint;
}

export interface DormantPage {
  total: number;
  rows: Array<{ merchantId: string; merchantName: string; zone: string }>;
}

export interface CustomerCounts {
  customers: bigint;
  repeatCustomers: bigint;
  transactions: bigint;
  unidentified: bigint;
}

export interface CohortCell {
  cohort: string;
  monthsSince: number;
  customers: number;
}

/** Transactions of customer hours read in one statement at most (4 bytes each, 8 more at a window's edges). */
const CUSTOMER_BATCH_ROWS = 4_000_000;

/** Categories above which the anomaly tails are one LATERAL join rather than a UNION ALL branch each. */
const MAX_CATEGORY_BRANCHES = 200;

/**
 * Analytics SQL. Sums come from the rollups for whole buckets of a window (days, then hours, or
 * quarter hours) and from the raw rows only for the partial buckets at its edges, so any window is
 * exact to the microsecond while a default (unbounded) query reads only the daily rollup.
 */
@Injectable()
export class AnalyticsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Count, sum and sum of squares (categories) of amounts, in cents, per zone or category. */
  async dimTotals(scope: AnalyticsScope, dim: 'zone' | 'category'): Promise<DimTotal[]> {
    if (scope.importIds.length === 0) {
      return [];
    }
    const p = new SqlParams();
    const sq = dim === 'category' ? 'sum((amount * 100) * (amount * 100))' : '0';
    const parts = windowParts(scope, dim === 'zone' ? 'zoneHours' : 'categoryHours', ['day', 'hour'], p, {
      raw: (rows, seg) => `SELECT ${dim} AS key, count(*) AS n, sum(amount * 100) AS cents, ${sq} AS sq
           FROM ${rows} r WHERE true ${timeCondition('occurred_at', seg, p)} GROUP BY 1`,
      rollup: (base, seg) => `SELECT key, sum(tx_count) AS n, sum(amount_cents) AS cents, coalesce(sum(amount_sq_cents), 0) AS sq
           FROM tx_rollups WHERE ${base()} AND grain = ${p.add(seg.source)} AND dim = ${p.add(dim)}
           ${timeCondition('bucket_start', seg, p)} GROUP BY 1`,
    });
    if (parts.length === 0) {
      return [];
    }
    const rows = await this.db.query<Array<{ key: string; n: string; cents: string; sq: string }>>(
      `SELECT key, sum(n)::text AS n, sum(cents)::text AS cents, sum(sq)::text AS sq
       FROM (${parts.join(' UNION ALL ')}) u GROUP BY key`,
      p.values,
    );
    return rows.map((r) => ({ key: r.key, count: BigInt(r.n), cents: decimalToBigInt(r.cents), sqCents: decimalToBigInt(r.sq) }));
  }

  /** Count and cents per hour of the day in `tz`: quarter-hour rollups inside the window, raw rows at its edges. */
  async hourTotals(scope: AnalyticsScope, tz: string): Promise<HourTotal[]> {
    if (scope.importIds.length === 0) {
      return [];
    }
    const rows = await this.hourTotalsFrom(scope, tz, ['quarter']);
    // A zone whose offset is not a whole number of quarter hours at some bucket (local mean time
    // before 1900, say) splits buckets between local hours: answer from the raw rows instead.
    if (rows.some((r) => r.misaligned > 0)) {
      return this.hourTotalsFrom(scope, tz, []);
    }
    return rows;
  }

  private async hourTotalsFrom(scope: AnalyticsScope, tz: string, grains: Grain[]): Promise<Array<HourTotal & { misaligned: number }>> {
    const p = new SqlParams();
    const zone = p.add(tz);
    const parts = windowParts(scope, 'quarters', grains, p, {
      raw: (rows, seg) => `SELECT extract(hour FROM occurred_at AT TIME ZONE ${zone})::int AS h, count(*) AS n, sum(amount * 100) AS cents, 0 AS misaligned
           FROM ${rows} r WHERE true ${timeCondition('occurred_at', seg, p)} GROUP BY 1`,
      rollup: (base, seg) => `SELECT extract(hour FROM bucket_start AT TIME ZONE ${zone})::int AS h, sum(tx_count) AS n, sum(amount_cents) AS cents,
             count(*) FILTER (WHERE extract(epoch FROM bucket_start AT TIME ZONE ${zone})::bigint % 900 <> 0) AS misaligned
           FROM tx_rollups WHERE ${base()} AND grain = 'quarter' ${timeCondition('bucket_start', seg, p)} GROUP BY 1`,
    });
    if (parts.length === 0) {
      return [];
    }
    const rows = await this.db.query<Array<{ h: number; n: string; cents: string; misaligned: string }>>(
      `SELECT h, sum(n)::text AS n, sum(cents)::text AS cents, sum(misaligned)::text AS misaligned
       FROM (${parts.join(' UNION ALL ')}) u GROUP BY h`,
      p.values,
    );
    return rows.map((r) => ({ hour: Number(r.h), count: BigInt(r.n), cents: decimalToBigInt(r.cents), misaligned: Number(r.misaligned) }));
  }

  /** How many transactions of each category are at or above its threshold, in the window. */
  async countAbove(scope: AnalyticsScope, thresholds: CategoryThreshold[]): Promise<number> {
    if (scope.importIds.length === 0 || thresholds.length === 0) {
      return 0;
    }
    const p = new SqlParams();
    const tail = this.tailSource(scope, thresholds, p, null);
    const rows = await this.db.query<Array<{ n: string }>>(`SELECT count(*)::text AS n FROM ${tail}`, p.values);
    return Number(rows[0].n);
  }

  /** The transactions at or above their category's threshold, amount descending then id ascending. */
  async rowsAbove(scope: AnalyticsScope, thresholds: CategoryThreshold[], offset: number, limit: number): Promise<AnomalyRow[]> {
    if (scope.importIds.length === 0 || thresholds.length === 0) {
      return [];
    }
    const p = new SqlParams();
    // Each category's tail is read from its (category, amount) index in amount order, at most
    // offset + limit rows of it; the merge of those is the page.
    const tail = this.tailSource(scope, thresholds, p, offset + limit);
    const rows = await this.db.query<Array<{ transaction_id: string; amount: string; category: string; occurred_at: Date }>>(
      `SELECT x.transaction_id, x.amount::text AS amount, x.category, x.occurred_at FROM ${tail}
       ORDER BY x.amount DESC, x.transaction_id ASC OFFSET ${p.add(offset)} LIMIT ${p.add(limit)}`,
      p.values,
    );
    return rows.map((r) => ({ transactionId: r.transaction_id, amount: r.amount, category: r.category, occurredAt: r.occurred_at }));
  }

  /**
   * One index range per category (its (category, amount) index, from the threshold up), as a
   * UNION ALL with the thresholds as plain parameters: the planner then sees how thin each tail
   * is (an unnest() of thresholds made it hash-join a full scan instead).
   */
  private tailSource(scope: AnalyticsScope, thresholds: CategoryThreshold[], p: SqlParams, perCategoryLimit: number | null): string {
    const window = timeCondition('t.occurred_at', scope.window, p);
    const limit = perCategoryLimit === null ? '' : `ORDER BY t.amount DESC, t.transaction_id ASC LIMIT ${p.add(perCategoryLimit)}`;
    if (thresholds.length > MAX_CATEGORY_BRANCHES) {
      // Thousands of categories: one statement text per category would be megabytes (and pass
      // PostgreSQL's stack depth); a LATERAL over the thresholds keeps one index range per category.
      const categories = p.add(thresholds.map((th) => th.category));
      const mins = p.add(thresholds.map((th) => centsToDecimal(th.minCents)));
      return `unnest(${categories}::text[], ${mins}::numeric[]) AS th(category, min_amount) CROSS JOIN LATERAL (
        SELECT t.transaction_id, t.amount, t.category, t.occurred_at FROM ${rawRows(scope.importIds)} t
        WHERE t.category = th.category AND t.amount >= th.min_amount ${window} ${limit}) x`;
    }
    const parts = thresholds.map(
      (th) => `(SELECT t.transaction_id, t.amount, t.category, t.occurred_at FROM ${rawRows(scope.importIds)} t
         WHERE t.category = ${p.add(th.category)} AND t.amount >= ${p.add(centsToDecimal(th.minCents))}::numeric ${window} ${limit})`,
    );
    return `(${parts.join(' UNION ALL ')}) x`;
  }

  /**
   * Merchants the organization knows (merchants imports, and every merchant its transactions ever
   * named) with no transaction in scope; by merchant id. Name and zone come from the merchants
   * file, else the zone where the merchant has most transactions, else 'Unknown'.
   */
  async dormantMerchants(scope: AnalyticsScope, offset: number, limit: number | null): Promise<DormantPage> {
    const p = new SqlParams();
    const org = p.add(scope.orgId);
    const fileImports = p.add(scope.merchantImportIds);
    // Transactions per merchant and zone: from the rollup, or the rows of imports that have none.
    const [rolled, raw] = splitByRollup(scope, scope.allTransactionImportIds, 'merchantZones');
    const merchantZones = [
      `SELECT merchant_id, zone, tx_count FROM tx_merchant_zones WHERE org_id = ${org} AND import_id = ANY(${p.add(rolled)}::uuid[])`,
      ...(raw.length > 0 ? [`SELECT merchant_id, zone, count(*) FROM ${rawRows(raw)} r GROUP BY 1, 2`] : []),
    ].join(' UNION ALL ');
    const active = this.activeMerchants(scope, p);
    const page = limit === null ? 'LIMIT 0' : `ORDER BY merchant_id OFFSET ${p.add(offset)} LIMIT ${p.add(limit)}`;
    const rows = await this.db.query<Array<{ total: string; merchant_id: string | null; name: string | null; zone: string | null }>>(
      `WITH file_m AS (
         SELECT merchant_id, name, zone FROM merchants WHERE org_id = ${org} AND import_id = ANY(${fileImports}::uuid[])
       ), mz AS MATERIALIZED (${merchantZones}
       ), known AS (
         SELECT merchant_id FROM file_m UNION SELECT merchant_id FROM mz
       ), active AS (${active}), dormant_ids AS (
         SELECT k.merchant_id FROM known k WHERE NOT EXISTS (SELECT 1 FROM active a WHERE a.merchant_id = k.merchant_id)
       ), tx_zone AS (
         -- The zone where a merchant has most transactions, for the dormant ones the merchants
         -- file names no zone for only: a file with many zone spellings has ~20 per merchant.
         SELECT DISTINCT ON (merchant_id) merchant_id, zone
         FROM (SELECT merchant_id, zone, sum(tx_count) AS n FROM mz
               WHERE merchant_id IN (SELECT d.merchant_id FROM dormant_ids d LEFT JOIN file_m f USING (merchant_id) WHERE coalesce(f.zone, '') = '')
               GROUP BY 1, 2) z
         ORDER BY merchant_id, n DESC, zone COLLATE "C"
       ), dormant AS (
         SELECT d.merchant_id, f.name, coalesce(nullif(f.zone, ''), z.zone) AS zone
         FROM dormant_ids d LEFT JOIN file_m f USING (merchant_id) LEFT JOIN tx_zone z USING (merchant_id)
       )
       SELECT (SELECT count(*) FROM dormant)::text AS total, d.merchant_id, d.name, d.zone
       FROM (SELECT 1) one LEFT JOIN (SELECT * FROM dormant ${page}) d ON true
       ORDER BY d.merchant_id`,
      p.values,
    );
    return {
      total: Number(rows[0]?.total ?? 0),
      rows: rows.filter((r) => r.merchant_id !== null).map((r) => ({ merchantId: r.merchant_id!, merchantName: r.name || 'Unknown', zone: r.zone || 'Unknown' })),
    };
  }

  /** SQL giving the distinct merchant_id with a transaction in scope. */
  private activeMerchants(scope: AnalyticsScope, p: SqlParams): string {
    if (scope.importIds.length === 0) {
      return 'SELECT NULL::text AS merchant_id WHERE false';
    }
    const isUnbounded = scope.window.fromUs === null && scope.window.toUs === null;
    const parts = windowParts(scope, isUnbounded ? 'merchantZones' : 'merchantDays', ['day'], p, {
      raw: (rows, seg) => `SELECT DISTINCT merchant_id FROM ${rows} r WHERE true ${timeCondition('occurred_at', seg, p)}`,
      rollup: (base, seg) =>
        isUnbounded
          ? `SELECT DISTINCT merchant_id FROM tx_merchant_zones WHERE ${base()}`
          : `SELECT DISTINCT merchant_id FROM tx_merchant_days WHERE ${base()} ${dayCondition(seg, p)}`,
    });
    return parts.length > 0 ? parts.join(' UNION ') : 'SELECT NULL::text AS merchant_id WHERE false';
  }

  /** Customers (by phone, INVALID phones left out) and their transactions in scope, from the raw rows. */
  async customerCounts(scope: AnalyticsScope): Promise<CustomerCounts> {
    const zero: CustomerCounts = { customers: 0n, repeatCustomers: 0n, transactions: 0n, unidentified: 0n };
    if (scope.importIds.length === 0) {
      return zero;
    }
    const p = new SqlParams();
    const window = timeCondition('occurred_at', scope.window, p);
    const rows = await heavyQuery<Array<{ customers: string; repeaters: string; txs: string; unidentified: string }>>(
      this.db,
      `WITH c AS (
         SELECT customer_phone, count(*) AS n FROM ${rawRows(scope.importIds)} r WHERE true ${window} GROUP BY 1
       )
       SELECT count(*) FILTER (WHERE customer_phone <> 'INVALID')::text AS customers,
              count(*) FILTER (WHERE customer_phone <> 'INVALID' AND n > 1)::text AS repeaters,
              coalesce(sum(n) FILTER (WHERE customer_phone <> 'INVALID'), 0)::text AS txs,
              coalesce(sum(n) FILTER (WHERE customer_phone = 'INVALID'), 0)::text AS unidentified
       FROM c`,
      p.values,
    );
    const r = rows[0];
    return { customers: BigInt(r.customers), repeatCustomers: BigInt(r.repeaters), transactions: BigInt(r.txs), unidentified: BigInt(r.unidentified) };
  }

  /** The customer histograms of the given imports' summaries (k transactions → customers). */
  async importSummaries(orgId: string, importIds: string[]): Promise<ImportSummary[]> {
    const rows = await this.db.query<Array<{ import_id: string; customer_histogram: Record<string, number>; customer_count: string; invalid_phone_transactions: string }>>(
      `SELECT import_id, customer_histogram, customer_count::text, invalid_phone_transactions::text
       FROM tx_import_summaries WHERE org_id = $1 AND import_id = ANY($2::uuid[])`,
      [orgId, importIds],
    );
    return rows.map((r) => ({
      importId: r.import_id,
      histogram: r.customer_histogram,
      customers: Number(r.customer_count),
      unidentified: Number(r.invalid_phone_transactions),
    }));
  }

  /**
   * Customers found in more than one of the imports: how the per-import histograms must change to
   * count each once. `others`' customers are looked up in `largest` through its phone index, so
   * the cost follows the smaller imports. Answers (k, customers) to add and to remove.
   */
  async sharedCustomers(orgId: string, largest: string, others: string[]): Promise<{ add: Map<number, number>; remove: Map<number, number> }> {
    const rows = await this.db.query<Array<{ op: 'add' | 'remove'; k: number; n: string }>>(
      `WITH o AS (
         SELECT phone, tx_count FROM tx_customers WHERE org_id = $1 AND import_id = ANY($2::uuid[])
       ), l AS (
         SELECT c.phone, c.tx_count FROM (SELECT DISTINCT phone FROM o) d
         JOIN ${partitionName('tx_customers', largest)} c ON c.phone = d.phone
       ), multi AS (
         SELECT phone, sum(tx_count) AS total, array_agg(tx_count) AS parts
         FROM (SELECT * FROM o UNION ALL SELECT * FROM l) a GROUP BY phone HAVING count(*) > 1
       )
       SELECT 'add' AS op, total::int AS k, count(*)::text AS n FROM multi GROUP BY total
       UNION ALL
       SELECT 'remove', p, count(*)::text FROM multi, unnest(parts) AS p GROUP BY p`,
      [orgId, others],
    );
    const add = new Map<number, number>();
    const remove = new Map<number, number>();
    for (const r of rows) {
      (r.op === 'add' ? add : remove).set(Number(r.k), Number(r.n));
    }
    return { add, remove };
  }

  /** Customers per first-purchase month (UTC) and months since, from the raw rows in scope. */
  async cohorts(scope: AnalyticsScope): Promise<CohortCell[]> {
    if (scope.importIds.length === 0) {
      return [];
    }
    const p = new SqlParams();
    const window = timeCondition('occurred_at', scope.window, p);
    const rows = await heavyQuery<Array<{ cohort: string; k: number; customers: string }>>(
      this.db,
      `WITH m AS (
         SELECT customer_phone AS phone, date_trunc('month', occurred_at AT TIME ZONE 'UTC') AS month
         FROM ${rawRows(scope.importIds)} r WHERE customer_phone <> 'INVALID' ${window} GROUP BY 1, 2
       ), f AS (SELECT phone, min(month) AS first FROM m GROUP BY phone)
       SELECT to_char(f.first, 'YYYY-MM') AS cohort,
              ((extract(year FROM m.month) - extract(year FROM f.first)) * 12 + extract(month FROM m.month) - extract(month FROM f.first))::int AS k,
              count(*)::text AS customers
       FROM m JOIN f USING (phone) GROUP BY 1, 2 ORDER BY 1, 2`,
      p.values,
    );
    return rows.map((r) => ({ cohort: r.cohort, monthsSince: Number(r.k), customers: Number(r.customers) }));
  }

  /**
   * The organization's customer-number ceiling when every import of the scope has its customer
   * hours (migration 19), else null (an import published before them: its rows answer instead).
   */
  async customerHoursCeiling(scope: AnalyticsScope): Promise<number | null> {
    const [r] = await this.db.query<Array<{ ready: boolean; ceiling: number | null }>>(
      `SELECT count(*) FILTER (WHERE customer_hours) = cardinality($2::uuid[]) AS ready,
              (SELECT next_id FROM tx_customer_id_next WHERE org_id = $1) AS ceiling
       FROM tx_import_summaries WHERE org_id = $1 AND import_id = ANY($2::uuid[])`,
      [scope.orgId, scope.importIds],
    );
    return r.ready ? (r.ceiling ?? 1) : null;
  }

  /**
   * Visits the customer numbers of the scope's transactions, hour by hour in time order: whole
   * hours from their numbers alone, the hours the window cuts through tested on their times. Read
   * in batches of at most CUSTOMER_BATCH_ROWS transactions, so memory stays bounded at any size.
   */
  async forEachCustomerHour(scope: AnalyticsScope, visit: (ids: Uint32Array, hourUs: number) => void): Promise<void> {
    const { fromUs, toUs } = scope.window;
    const base = new SqlParams();
    const where = `org_id = ${base.add(scope.orgId)} AND import_id = ANY(${base.add(scope.importIds)}::uuid[])
      ${fromUs === null ? '' : `AND hour_start >= ${base.add(microsToIso(hourFloor(fromUs)))}::timestamptz`}
      ${toUs === null ? '' : `AND hour_start < ${base.add(microsToIso(toUs))}::timestamptz`}`;
    const hours = await this.db.query<Array<{ h: string; n: string }>>(
      `SELECT (extract(epoch FROM hour_start) * 1000000)::bigint::text AS h, sum(transactions)::text AS n
       FROM tx_customer_hours WHERE ${where} GROUP BY hour_start ORDER BY hour_start`,
      base.values,
    );
    const edges = [fromUs, toUs].filter((us): us is number => us !== null && us !== hourFloor(us)).map((us) => microsToIso(hourFloor(us)));
    for (let i = 0; i < hours.length;) {
      let j = i;
      let rows = 0;
      do {
        rows += Number(hours[j++].n);
      } while (j < hours.length && rows + Number(hours[j].n) <= CUSTOMER_BATCH_ROWS);
      const p = new SqlParams();
      base.values.forEach((v) => p.add(v));
      const blocks = await this.db.query<Array<{ h: string; ids: Buffer; times: Buffer | null }>>(
        `SELECT (extract(epoch FROM hour_start) * 1000000)::bigint::text AS h, ids,
                CASE WHEN hour_start = ANY(${p.add(edges)}::timestamptz[]) THEN times END AS times
         FROM tx_customer_hours WHERE ${where}
           AND hour_start >= ${p.add(microsToIso(Number(hours[i].h)))}::timestamptz AND hour_start <= ${p.add(microsToIso(Number(hours[j - 1].h)))}::timestamptz
         ORDER BY hour_start`,
        p.values,
      );
      for (const b of blocks) {
        const ids = customerNumbers(b.ids);
        visit(b.times === null ? ids : numbersInWindow(ids, microTimes(b.times), fromUs, toUs), Number(b.h));
      }
      i = j;
    }
  }

  /** Every time zone name PostgreSQL knows (for validating tz). */
  async timeZoneNames(): Promise<string[]> {
    const rows = await this.db.query<Array<{ name: string }>>(`SELECT name FROM pg_timezone_names`);
    return rows.map((r) => r.name);
  }
}

/**
 * The raw rows in scope: the scope's import partitions themselves, UNION ALL'ed. Reading them
 * directly (rather than the parent filtered by org_id and import_id) lets PostgreSQL answer from
 * the partitions' indexes alone (index-only scans): those two columns are in no index. The
 * import ids come from the caller's organization (AnalyticsScopeService.resolve), so the scope stays the tenant's.
 */
function rawRows(importIds: string[]): string {
  const tables = importIds.map((id) => partitionName('transactions', id));
  return tables.length === 1 ? tables[0] : `(${tables.map((t) => `SELECT * FROM ${t}`).join(' UNION ALL ')})`;
}

/**
 * The rollup rows of the given imports (`org_id` and their ids), added to the statement's
 * parameters only once, and only if a part of the statement uses it.
 */
function lazyImportCondition(orgId: string, importIds: string[], p: SqlParams): () => string {
  let sql: string | null = null;
  return () => (sql ??= `org_id = ${p.add(orgId)} AND import_id = ANY(${p.add(importIds)}::uuid[])`);
}

/**
 * The parts (UNION ALL'ed by the caller) answering a question over the scope's window: for the
 * imports that have the rollup, its buckets inside the window (grains, coarsest first) and their
 * rows at its edges; for the imports without it (missing_rollups), their rows over the window.
 */
function windowParts(
  scope: AnalyticsScope,
  rollup: TxStructure,
  grains: Grain[],
  p: SqlParams,
  part: { raw: (rows: string, seg: TimeWindow | RangeSegment) => string; rollup: (base: () => string, seg: RangeSegment) => string },
): string[] {
  const [rolled, raw] = splitByRollup(scope, scope.importIds, rollup);
  const parts: string[] = [];
  if (rolled.length > 0) {
    const base = lazyImportCondition(scope.orgId, rolled, p);
    for (const seg of splitRange(scope.window, grains)) {
      parts.push(seg.source === 'raw' ? part.raw(rawRows(rolled), seg) : part.rollup(base, seg));
    }
  }
  if (raw.length > 0) {
    parts.push(part.raw(rawRows(raw), scope.window));
  }
  return parts;
}

function timeCondition(column: string, w: TimeWindow | RangeSegment, p: SqlParams): string {
  return (
    (w.fromUs === null ? '' : ` AND ${column} >= ${p.add(microsToIso(w.fromUs))}::timestamptz`) +
    (w.toUs === null ? '' : ` AND ${column} < ${p.add(microsToIso(w.toUs))}::timestamptz`)
  );
}

function dayCondition(w: RangeSegment, p: SqlParams): string {
  return (
    (w.fromUs === null ? '' : ` AND day >= ${p.add(microsToIso(w.fromUs).slice(0, 10))}::date`) +
    (w.toUs === null ? '' : ` AND day < ${p.add(microsToIso(w.toUs).slice(0, 10))}::date`)
  );
}

/** An integral decimal string from SQL ("123", "123.0000") as a BigInt. */
function decimalToBigInt(text: string | null): bigint {
  if (text === null) {
    return 0n;
  }
  const dot = text.indexOf('.');
  return BigInt(dot < 0 ? text : text.slice(0, dot));
}

function centsToDecimal(cents: bigint): string {
  const abs = cents < 0n ? -cents : cents;
  const text = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return cents < 0n ? `-${text}` : text;
}
