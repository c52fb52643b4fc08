import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { heavyQuery } from '@common/heavy-query';
import { SqlParams } from '@common/sql-params';
import { ImportScope, splitByRollup } from '@common/analytics-scope/analytics-scope.service';
import { partitionName } from '@libs/ingest';
import { repeatedOrderIds } from './sales.sql';

/** What a sales query may see: one organization's published sales imports and an optional day window. */
export interface SalesScope extends ImportScope {
  /** YYYY-MM-DD, inclusive; null = unbounded. */
  fromDay: string | null;
  /** YYYY-MM-DD, exclusive; null = unbounded. */
  toDay: string | null;
}

/** Numeric values arrive as exact decimal strings (PostgreSQL numeric), rounded in SQL. */
export interface MonthTotal {
  month: string;
  revenue: string;
  quantity: string;
  avgDiscount: string;
  records: string;
}
export interface DimTotal {
  key: string;
  revenue: string;
  quantity: string;
}
export interface CategoryDiscount {
  category: string;
  weighted: string;
  revenue: string;
}
export interface ScopeTotals {
  records: string;
  revenue: string;
  quantity: string;
  price: string;
}

export interface RecordRow {
  orderId: string;
  product: string;
  category: string;
  region: string;
  quantity: number;
  unitPrice: string;
  discount: string;
  revenue: string;
  saleAt: Date;
  importId: string;
  line: number;
}

export interface ScoredRow extends RecordRow {
  score: number;
  isHighRevenue: boolean;
  isHighQuantity: boolean;
  isHighPrice: boolean;
  /** The fixed rules (the terms of the generated fixed_score column, see the CreateSales migration). */
  isDeepDiscount: boolean;
  isDiscountedPremium: boolean;
  isLargeRevenue: boolean;
  isBulkPremium: boolean;
}

export interface ImportQuality {
  read: string;
  loaded: string;
  rejected: string;
  reasons: Array<Record<string, number>>;
}

/** Lower bounds of the average-relative anomaly rules, for index range scans (the exact test is in SQL). */
export interface AnomalyBounds {
  revenue: number;
  quantity: number;
  unitPrice: number;
}

const RECORD_COLUMNS = `order_id AS "orderId", product_name AS product, category, region, quantity,
  unit_price::text AS "unitPrice", discount::text AS discount, revenue::text AS revenue, sale_at AS "saleAt",
  import_id AS "importId", line_no AS line`;

/**
 * Sales SQL. Totals come from sales_daily (one row per import, UTC day, product, category and
 * region); only anomalies and top transactions read rows, through the partitions' indexes.
 * Every statement filters by the organization and the scope's imports (partition pruning).
 */
@Injectable()
export class SalesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  monthly(scope: SalesScope): Promise<MonthTotal[]> {
    const p = new SqlParams();
    return this.db.query(
      `SELECT to_char(day, 'YYYY-MM') AS month, round(sum(revenue), 2)::text AS revenue, sum(quantity)::text AS quantity,
              round(sum(discount_sum) / sum(row_count), 4)::text AS "avgDiscount", sum(row_count)::text AS records
       FROM ${dailySource(scope, p)} GROUP BY 1 ORDER BY 1`,
      p.values,
    );
  }

  /** Revenue and quantity per product or region, by revenue descending, then name. */
  byDimension(scope: SalesScope, dim: 'product_name' | 'region', limit: number | null): Promise<DimTotal[]> {
    const p = new SqlParams();
    return this.db.query(
      `SELECT ${dim} AS key, round(sum(revenue), 2)::text AS revenue, sum(quantity)::text AS quantity
       FROM ${dailySource(scope, p)} GROUP BY 1 ORDER BY sum(revenue) DESC, 1
       ${limit === null ? '' : `LIMIT ${p.add(limit)}`}`,
      p.values,
    );
  }

  categoryDiscounts(scope: SalesScope): Promise<CategoryDiscount[]> {
    const p = new SqlParams();
    return this.db.query(
      `SELECT category, round(CASE WHEN sum(revenue) = 0 THEN 0 ELSE sum(revenue_discount) / sum(revenue) END, 4) AS weighted,
              round(sum(revenue), 2) AS revenue
       FROM ${dailySource(scope, p)} GROUP BY 1 ORDER BY weighted DESC, 1`,
      p.values,
    );
  }

  async totals(scope: SalesScope): Promise<ScopeTotals> {
    const p = new SqlParams();
    const rows = await this.db.query<ScopeTotals[]>(
      `SELECT coalesce(sum(row_count), 0)::text AS records, coalesce(sum(revenue), 0)::text AS revenue,
              coalesce(sum(quantity), 0)::text AS quantity, coalesce(sum(price_sum), 0)::text AS price
       FROM ${dailySource(scope, p)}`,
      p.values,
    );
    return rows[0];
  }

  /**
   * The highest-scoring records (score ≥ 2). A record can only reach 2 points through its fixed
   * score or one of the three average-relative rules, so only those ranges are read: each from its
   * index, with the window tested inside it and the other rules' inputs included, so that every
   * candidate is scored without reading its row (index-only). A branch leaves out the rows of the
   * branches before it, so each candidate comes once. Only the candidates that can be in the page
   * (at or above the page's last (score, revenue)) are then read in full, for the tie-breaks and the
   * output: found again through their (revenue, sale_at) index entry.
   */
  async anomalies(scope: SalesScope, totals: ScopeTotals, bounds: AnomalyBounds, limit: number): Promise<ScoredRow[]> {
    if (scope.importIds.length === 0) {
      return [];
    }
    const p = new SqlParams();
    const [n, sr, sq, sp] = [p.add(totals.records), p.add(totals.revenue), p.add(totals.quantity), p.add(totals.price)];
    const window = dayWindow(scope, p);
    const rules = ['fixed_score >= 2', `revenue > ${p.add(bounds.revenue)}`, `quantity > ${p.add(bounds.quantity)}`, `unit_price > ${p.add(bounds.unitPrice)}`];
    const branches = scope.importIds.flatMap((id) => {
      const importId = p.add(id);
      return rules.map(
        (rule, i) => `SELECT ${importId}::uuid AS import_id, line_no, sale_at, fixed_score, revenue, quantity, unit_price FROM ${partitionName('sales', id)}
           WHERE ${rule}${window}${rules
             .slice(0, i)
             .map((r) => ` AND NOT (${r})`)
             .join('')}`,
      );
    });
    const page = p.add(limit);
    return heavyQuery(
      this.db,
      `WITH s AS MATERIALIZED (
         SELECT * FROM (
           SELECT c.*, fixed_score + CASE WHEN revenue * ${n}::numeric > 10 * ${sr}::numeric THEN 3 ELSE 0 END
                  + CASE WHEN quantity * ${n}::numeric > 5 * ${sq}::numeric THEN 2 ELSE 0 END
                  + CASE WHEN unit_price * ${n}::numeric > 5 * ${sp}::numeric THEN 2 ELSE 0 END AS score
           FROM (${branches.join(' UNION ALL ')}) c
         ) c WHERE score >= 2
       ), last AS (
         SELECT score, revenue FROM s ORDER BY score DESC, revenue DESC OFFSET ${page} - 1 LIMIT 1
       )
       SELECT * FROM (
         SELECT ${RECORD_COLUMNS}, fixed_score AS "fixedScore", revenue AS r, score,
                revenue * ${n}::numeric > 10 * ${sr}::numeric AS "isHighRevenue",
                quantity * ${n}::numeric > 5 * ${sq}::numeric AS "isHighQuantity",
                unit_price * ${n}::numeric > 5 * ${sp}::numeric AS "isHighPrice",
                discount > 0.7 AS "isDeepDiscount", unit_price > 1000 AND discount > 0.5 AS "isDiscountedPremium",
                revenue > 50000 AS "isLargeRevenue", quantity > 100 AND unit_price > 500 AS "isBulkPremium"
         FROM (
           SELECT x.*, s.score FROM s CROSS JOIN LATERAL (
             SELECT * FROM sales x WHERE x.org_id = ${p.add(scope.orgId)} AND x.import_id = s.import_id
               AND x.revenue = s.revenue AND x.sale_at = s.sale_at AND x.line_no = s.line_no
           ) x
           WHERE NOT EXISTS (SELECT 1 FROM last) OR (s.score, s.revenue) >= (SELECT score, revenue FROM last)
         ) j
       ) r
       ORDER BY score DESC, r DESC, "orderId", "importId", line LIMIT ${page}`,
      p.values,
      // Index-only ranges and a few row lookups: parallel workers cost more to start than they save.
      { max_parallel_workers_per_gather: '0' },
    );
  }

  topRecords(scope: SalesScope, limit: number): Promise<RecordRow[]> {
    const p = new SqlParams();
    return this.db.query(
      `SELECT ${RECORD_COLUMNS} FROM sales WHERE ${rowScope(scope, p)}
       ORDER BY sales.revenue DESC, order_id, import_id, line_no LIMIT ${p.add(limit)}`,
      p.values,
    );
  }

  quality(scope: SalesScope): Promise<ImportQuality[]> {
    return this.db.query(
      `SELECT coalesce(sum(rows_read), 0)::text AS read, coalesce(sum(rows_loaded), 0)::text AS loaded,
              coalesce(sum(rows_rejected), 0)::text AS rejected, coalesce(jsonb_agg(rejects_by_reason), '[]') AS reasons
       FROM imports WHERE org_id = $1 AND id = ANY($2::uuid[])`,
      [scope.orgId, scope.importIds],
    );
  }

  /**
   * Order ids on more than one kept row in scope, and the rows beyond the first of each: for one
   * import, as its publish counted them; for several, the partitions' order_id indexes merged in
   * key order (index-only scans, no hash of millions of keys); they are read by name because
   * import_id is in no index.
   */
  async duplicateOrderIds(scope: SalesScope): Promise<{ ids: string; rows: string }> {
    if (scope.importIds.length === 0) {
      return { ids: '0', rows: '0' };
    }
    if (scope.importIds.length === 1) {
      // One import: its publish counted them (sales_import_summaries); imports published before that are merged below.
      const [summary] = await this.db.query<Array<{ ids: string; rows: string }>>(
        `SELECT duplicate_order_ids::text AS ids, duplicate_rows::text AS rows FROM sales_import_summaries WHERE org_id = $1 AND import_id = $2`,
        [scope.orgId, scope.importIds[0]],
      );
      if (summary) {
        return summary;
      }
    }
    const keys = scope.importIds.map((id) => `SELECT order_id FROM ${partitionName('sales', id)}`).join(' UNION ALL ');
    const rows = await heavyQuery<Array<{ ids: string; rows: string }>>(this.db, `SELECT ids::text, rows::text FROM (${repeatedOrderIds(`(${keys}) k`)}) r`, [], {
      enable_hashagg: 'off',
      enable_sort: 'off',
      max_parallel_workers_per_gather: '0',
    });
    return rows[0];
  }
}

function importScope(scope: SalesScope, p: SqlParams): string {
  return `org_id = ${p.add(scope.orgId)} AND import_id = ANY(${p.add(scope.importIds)}::uuid[])`;
}

/**
 * The day rows in scope: the imports' daily rollups, and for an import that has none (its data had
 * too many distinct names to fold: missing_rollups), its own rows as day rows of one record each.
 */
function dailySource(scope: SalesScope, p: SqlParams): string {
  const [rolled, raw] = splitByRollup(scope, scope.importIds, 'daily');
  const parts: string[] = [];
  if (rolled.length > 0) {
    let where = `org_id = ${p.add(scope.orgId)} AND import_id = ANY(${p.add(rolled)}::uuid[])`;
    if (scope.fromDay !== null) where += ` AND day >= ${p.add(scope.fromDay)}::date`;
    if (scope.toDay !== null) where += ` AND day < ${p.add(scope.toDay)}::date`;
    parts.push(`SELECT day, product_name, category, region, row_count, quantity, revenue, discount_sum, revenue_discount, price_sum FROM sales_daily WHERE ${where}`);
  }
  if (raw.length > 0) {
    parts.push(
      `SELECT (sale_at AT TIME ZONE 'UTC')::date AS day, product_name, category, region, 1::bigint AS row_count, quantity::bigint AS quantity,
              revenue, discount AS discount_sum, revenue * discount AS revenue_discount, unit_price AS price_sum
       FROM sales WHERE ${rowScope({ ...scope, importIds: raw }, p)}`,
    );
  }
  return parts.length === 0
    ? `(SELECT NULL::date AS day, NULL::text AS product_name, NULL::text AS category, NULL::text AS region, 0::bigint AS row_count,
         0::bigint AS quantity, 0::numeric AS revenue, 0::numeric AS discount_sum, 0::numeric AS revenue_discount, 0::numeric AS price_sum WHERE false) d`
    : `(${parts.join(' UNION ALL ')}) d`;
}

/** Days are UTC days of sale_at, as in sales_daily. */
function rowScope(scope: SalesScope, p: SqlParams): string {
  return importScope(scope, p) + dayWindow(scope, p);
}

/** The scope's days as conditions on sale_at (UTC days), each starting with AND; '' for all time. */
function dayWindow(scope: SalesScope, p: SqlParams): string {
  let sql = '';
  if (scope.fromDay !== null) sql += ` AND sale_at >= (${p.add(scope.fromDay)}::date::timestamp AT TIME ZONE 'UTC')`;
  if (scope.toDay !== null) sql += ` AND sale_at < (${p.add(scope.toDay)}::date::timestamp AT TIME ZONE 'UTC')`;
  return sql;
}
