import type { Client } from 'pg';

/** The filters of the analytics endpoints, as query-string values. */
export interface RefFilter {
  from?: string;
  to?: string;
  importId?: string;
}

/**
 * Independent answers for the transaction analytics: plain SQL over the raw `transactions` rows of
 * one organization (no rollups, no product code), rounded by PostgreSQL's numeric round().
 */
export function reference(db: Client, orgId: string) {
  const where = (f: RefFilter, alias = '') => {
    const a = alias ? `${alias}.` : '';
    const params: unknown[] = [orgId];
    let sql = `${a}org_id = $1`;
    if (f.from) {
      params.push(f.from);
      sql += ` AND ${a}occurred_at >= $${params.length}::timestamptz`;
    }
    if (f.to) {
      params.push(f.to);
      sql += ` AND ${a}occurred_at < $${params.length}::timestamptz`;
    }
    if (f.importId) {
      params.push(f.importId);
      sql += ` AND ${a}import_id = $${params.length}::uuid`;
    }
    return { sql, params };
  };
  const rows = async <T>(text: string, params: unknown[]): Promise<T[]> => {
    await db.query(`SET TIME ZONE 'UTC'`);
    return (await db.query(text, params)).rows as T[];
  };

  return {
    async zones(f: RefFilter) {
      const w = where(f);
      const r = await rows<{ zone: string; total: string; n: string; avg: string }>(
        `SELECT zone, sum(amount) AS total, count(*) AS n, round(avg(amount), 2) AS avg FROM transactions
         WHERE ${w.sql} GROUP BY zone ORDER BY sum(amount) DESC, zone COLLATE "C"`,
        w.params,
      );
      return r.map((x, i) => ({ rank: i + 1, zone: x.zone, totalAmount: Number(x.total), transactionCount: Number(x.n), averageAmount: Number(x.avg) }));
    },

    async categories(f: RefFilter) {
      const w = where(f);
      const r = await rows<{ category: string; n: string; pct: string; total: string }>(
        `SELECT category, count(*) AS n, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct, sum(count(*)) OVER () AS total
         FROM transactions WHERE ${w.sql} GROUP BY category ORDER BY count(*) DESC, category COLLATE "C"`,
        w.params,
      );
      return {
        data: r.map((x) => ({ category: x.category, transactionCount: Number(x.n), percentage: Number(x.pct) })),
        totalTransactions: r.length ? Number(r[0].total) : 0,
      };
    },

    async hours(f: RefFilter, tz: string) {
      const w = where(f, 't');
      const r = await rows<{ hour: number; n: string; avg: string }>(
        `SELECT h.hour, count(t.amount) AS n, coalesce(round(avg(t.amount), 2), 0) AS avg
         FROM generate_series(0, 23) AS h(hour)
         LEFT JOIN transactions t ON extract(hour FROM t.occurred_at AT TIME ZONE $${w.params.length + 1}) = h.hour AND ${w.sql}
         GROUP BY h.hour ORDER BY h.hour`,
        [...w.params, tz],
      );
      return r.map((x) => ({ hour: Number(x.hour), transactionCount: Number(x.n), averageAmount: Number(x.avg) }));
    },

    async anomalies(f: RefFilter) {
      const w = where(f);
      const wt = where(f, 't');
      const r = await rows<{ transaction_id: string; amount: string; category: string; mean: string; sd: string; z: string; occurred_at: Date }>(
        `WITH s AS (SELECT category, avg(amount) AS m, stddev_pop(amount) AS sd FROM transactions WHERE ${w.sql} GROUP BY category)
         SELECT t.transaction_id, t.amount, t.category, round(s.m, 2) AS mean, round(s.sd, 2) AS sd,
                round((t.amount - s.m) / s.sd, 1) AS z, t.occurred_at
         FROM transactions t JOIN s ON s.category = t.category
         WHERE ${wt.sql} AND s.sd > 0 AND t.amount > s.m + 3 * s.sd
         ORDER BY t.amount DESC, t.transaction_id COLLATE "C"`,
        w.params,
      );
      return r.map((x) => ({
        transactionId: x.transaction_id,
        amount: Number(x.amount),
        category: x.category,
        categoryMean: Number(x.mean),
        categoryStdDev: Number(x.sd),
        stdDevFromMean: Number(x.z),
        timestamp: x.occurred_at.toISOString(),
      }));
    },

    async retention(f: RefFilter) {
      const w = where(f);
      const [x] = await rows<{ customers: string; repeaters: string; pct: string; avg: string; unidentified: string }>(
        `WITH c AS (SELECT customer_phone, count(*) AS n FROM transactions WHERE ${w.sql} AND customer_phone <> 'INVALID' GROUP BY 1)
         SELECT count(*) AS customers, count(*) FILTER (WHERE n > 1) AS repeaters,
                coalesce(round(100.0 * count(*) FILTER (WHERE n > 1) / nullif(count(*), 0), 2), 0) AS pct,
                coalesce(round(sum(n)::numeric / nullif(count(*), 0), 2), 0) AS avg,
                (SELECT count(*) FROM transactions WHERE ${w.sql} AND customer_phone = 'INVALID') AS unidentified
         FROM c`,
        w.params,
      );
      return {
        totalUniqueCustomers: Number(x.customers),
        repeatCustomers: Number(x.repeaters),
        repeatCustomerPercentage: Number(x.pct),
        singleTransactionCustomers: Number(x.customers) - Number(x.repeaters),
        averageTransactionsPerCustomer: Number(x.avg),
        unidentifiedTransactions: Number(x.unidentified),
      };
    },

    async cohorts(f: RefFilter) {
      const w = where(f);
      const r = await rows<{ cohort: string; k: number; n: string; size: string; pct: string }>(
        `WITH active AS (
           SELECT DISTINCT customer_phone, extract(year FROM occurred_at) * 12 + extract(month FROM occurred_at) - 1 AS mi
           FROM transactions WHERE ${w.sql} AND customer_phone <> 'INVALID'
         ), firsts AS (SELECT customer_phone, min(mi) AS first FROM active GROUP BY 1),
         cells AS (SELECT f.first, a.mi - f.first AS k, count(*) AS n FROM active a JOIN firsts f USING (customer_phone) GROUP BY 1, 2)
         SELECT to_char(make_date(floor(first / 12)::int, (first % 12)::int + 1, 1), 'YYYY-MM') AS cohort, k::int AS k, n,
                first_value(n) OVER (PARTITION BY first ORDER BY k) AS size,
                round(100.0 * n / first_value(n) OVER (PARTITION BY first ORDER BY k), 2) AS pct
         FROM cells ORDER BY first, k`,
        w.params,
      );
      const out: Array<{ cohort: string; customers: number; months: Array<{ monthsSince: number; customers: number; percentage: number }> }> = [];
      for (const x of r) {
        if (out.length === 0 || out[out.length - 1].cohort !== x.cohort) {
          out.push({ cohort: x.cohort, customers: Number(x.size), months: [] });
        }
        out[out.length - 1].months.push({ monthsSince: Number(x.k), customers: Number(x.n), percentage: Number(x.pct) });
      }
      return out;
    },

    async dormant(f: RefFilter) {
      const w = where(f);
      const r = await rows<{ merchant_id: string; name: string; zone: string }>(
        `WITH known AS (
           SELECT merchant_id FROM merchants WHERE org_id = $1 UNION SELECT merchant_id FROM transactions WHERE org_id = $1
         ), active AS (SELECT DISTINCT merchant_id FROM transactions WHERE ${w.sql}),
         tx_zone AS (
           SELECT DISTINCT ON (merchant_id) merchant_id, zone FROM transactions WHERE org_id = $1
           GROUP BY merchant_id, zone ORDER BY merchant_id, count(*) DESC, zone COLLATE "C"
         )
         SELECT k.merchant_id, coalesce(nullif(m.name, ''), 'Unknown') AS name, coalesce(nullif(m.zone, ''), z.zone, 'Unknown') AS zone
         FROM known k LEFT JOIN merchants m ON m.org_id = $1 AND m.merchant_id = k.merchant_id
         LEFT JOIN tx_zone z ON z.merchant_id = k.merchant_id
         WHERE k.merchant_id NOT IN (SELECT merchant_id FROM active)
         ORDER BY k.merchant_id COLLATE "C"`,
        w.params,
      );
      return r.map((x) => ({ merchantId: x.merchant_id, merchantName: x.name, zone: x.zone }));
    },
  };
}
