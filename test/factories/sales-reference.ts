import type { Client } from 'pg';

/** The filters of the sales outputs, as query-string values (days YYYY-MM-DD). */
export interface SalesRefFilter {
  from?: string;
  to?: string;
  importId?: string;
}

/** Revenue from the stored values, not the generated column the product reads. */
const REV = 'quantity * unit_price * (1 - discount)';

/** A sales row as pg returns it (numeric as text), with its revenue `rev`. */
interface SaleRow {
  order_id: string;
  product_name: string;
  category: string;
  region: string;
  quantity: number;
  unit_price: string;
  discount: string;
  rev: string;
  sale_at: Date;
  import_id: string;
  line_no: number;
}

/**
 * Independent answers for the sales outputs: plain SQL over the raw `sales` rows of one
 * organization (no rollup, no product code), rounded by PostgreSQL's numeric round().
 */
export function salesReference(db: Client, orgId: string) {
  const where = (f: SalesRefFilter) => {
    const params: unknown[] = [orgId];
    let sql = 'org_id = $1';
    if (f.from) {
      params.push(`${f.from}T00:00:00Z`);
      sql += ` AND sale_at >= $${params.length}::timestamptz`;
    }
    if (f.to) {
      params.push(`${f.to}T00:00:00Z`);
      sql += ` AND sale_at < $${params.length}::timestamptz`;
    }
    if (f.importId) {
      params.push(f.importId);
      sql += ` AND import_id = $${params.length}::uuid`;
    }
    return { sql, params };
  };
  const rows = async <T>(f: SalesRefFilter, text: (where: string) => string): Promise<T[]> => {
    const w = where(f);
    return (await db.query(text(w.sql), w.params)).rows as T[];
  };
  const record = (r: SaleRow) => ({
    orderId: r.order_id,
    product: r.product_name,
    category: r.category,
    region: r.region,
    quantity: r.quantity,
    unitPrice: Number(r.unit_price),
    discount: Number(r.discount),
    revenue: Number(r.rev),
    saleDate: r.sale_at.toISOString(),
    importId: r.import_id,
    line: r.line_no,
  });

  return {
    async monthly(f: SalesRefFilter) {
      const r = await rows<Record<string, string>>(
        f,
        (w) =>
          `SELECT to_char(sale_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, round(sum(${REV}), 2) AS revenue, sum(quantity) AS quantity,
                round(avg(discount), 4) AS avg, count(*) AS n
         FROM sales WHERE ${w} GROUP BY 1 ORDER BY 1`,
      );
      return r.map((x) => ({ month: x.month, revenue: Number(x.revenue), quantity: Number(x.quantity), avgDiscount: Number(x.avg), records: Number(x.n) }));
    },

    async byDimension(f: SalesRefFilter, column: 'product_name' | 'region') {
      return rows<Record<string, string>>(
        f,
        (w) =>
          `SELECT ${column} AS key, round(sum(${REV}), 2) AS revenue, sum(quantity) AS quantity
         FROM sales WHERE ${w} GROUP BY 1 ORDER BY sum(${REV}) DESC, ${column} COLLATE "C"`,
      );
    },

    async categoryDiscounts(f: SalesRefFilter) {
      const r = await rows<Record<string, string>>(
        f,
        (w) =>
          `SELECT category, coalesce(round(sum(${REV} * discount) / nullif(sum(${REV}), 0), 4), 0) AS weighted, round(sum(${REV}), 2) AS revenue
         FROM sales WHERE ${w} GROUP BY 1 ORDER BY weighted DESC, category COLLATE "C"`,
      );
      return r.map((x) => ({ category: x.category, weightedAvgDiscount: Number(x.weighted), revenue: Number(x.revenue) }));
    },

    /** Every rule written out once more, over averages computed by avg(). */
    async anomalies(f: SalesRefFilter, limit: number) {
      const r = await rows<SaleRow & { score: number }>(
        f,
        (w) =>
          `WITH s AS (SELECT *, ${REV} AS rev FROM sales WHERE ${w}),
              a AS (SELECT avg(rev) AS ar, avg(quantity) AS aq, avg(unit_price) AS ap FROM s),
              scored AS (
                SELECT s.*, (CASE WHEN rev > 10 * ar THEN 3 ELSE 0 END) + (CASE WHEN quantity > 5 * aq THEN 2 ELSE 0 END)
                  + (CASE WHEN unit_price > 5 * ap THEN 2 ELSE 0 END) + (CASE WHEN discount > 0.7 THEN 1 ELSE 0 END)
                  + (CASE WHEN unit_price > 1000 AND discount > 0.5 THEN 2 ELSE 0 END) + (CASE WHEN rev > 50000 THEN 1 ELSE 0 END)
                  + (CASE WHEN quantity > 100 AND unit_price > 500 THEN 2 ELSE 0 END) AS score
                FROM s, a)
         SELECT * FROM scored WHERE score >= 2 ORDER BY score DESC, rev DESC, order_id COLLATE "C", import_id, line_no LIMIT ${Number(limit)}`,
      );
      return r.map((x) => ({ ...record(x), score: x.score }));
    },

    async topRecords(f: SalesRefFilter, limit: number) {
      const r = await rows<SaleRow>(f, (w) => `SELECT *, ${REV} AS rev FROM sales WHERE ${w} ORDER BY rev DESC, order_id COLLATE "C", import_id, line_no LIMIT ${Number(limit)}`);
      return r.map((x, i) => ({ rank: i + 1, ...record(x) }));
    },
  };
}
