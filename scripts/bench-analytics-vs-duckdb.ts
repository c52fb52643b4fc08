/**
 * npm run bench:analytics-vs-duckdb -- --rows 10000000 [--kind transactions|sales] [--days 90 (transactions)] [--years 1 (sales)]
 *   [--shape adversarial] [--seed 1] [--tries 3] [--keep]
 *
 * Every analytics answer of a domain, uncached, side by side with DuckDB answering the same
 * question over its own in-memory table of the same cleaned rows: the bar a user who finds an
 * answer slow reaches for.
 * - The platform imports a generated file over HTTP. The moment the import is COMPLETED (while
 *   the worker still indexes), each question is asked once for each of three windows (all time, one
 *   calendar month, an odd 37-hour window; sales windows are whole days, so its odd one is 3 days):
 *   "first after publish". Once the worker is done, each is asked `--tries` more times with
 *   `Cache-Control: no-cache` (computed afresh every time): the median is "uncached". Times are
 *   the client's, over HTTP, request to last byte (the server's own queryTimeMs is printed too).
 * - DuckDB (@duckdb/node-api, threads=2, in this process) loads the rows the platform stored,
 *   exported from PostgreSQL (so both answer over identical data), then answers each question with
 *   plain SQL: one warm-up, then the median of `--tries`. Loading it is not timed.
 * - Each answer's headline figures (totals, counts) are compared between the two: a question is
 *   only timed against DuckDB if both answer it the same way.
 * Ratios = platform ÷ DuckDB; ≤ 1.0 is the target for uncached, ≤ 2.0 for first after publish.
 */
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { createReadStream, createWriteStream, promises as fs, statSync } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { pipeline } from 'stream/promises';
import { writeMerchantsCsv, writeSalesCsv, writeTransactionsCsv } from '../libs/datagen';
import type { SalesShape } from '../libs/datagen/sales.dimensions';
import type { TransactionsShape } from '../libs/datagen/transactions.shapes';
import { AppConfig } from '../src/config/app-config';
import { benchStage, flags, RunningApp, startApp } from './lib/bench-env';
import { BenchTarget, generate, importCsv, met, ms, quiesce } from './lib/bench-load';

const KEY = 'bench-admin-key-0123456789';
const HEADERS = { 'X-API-Key': KEY };
const PORT = 3993;
const MERCHANTS = 5000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

interface Window {
  name: string;
  /** ISO instants (transactions) or days (sales); null = unbounded. */
  from: string | null;
  to: string | null;
}

/** What both sides' answers must agree on: a few headline figures, as text. */
type Facts = Record<string, string | number>;

interface Question {
  name: string;
  /** The API path and query (without the window). */
  path: string;
  /** The question takes no window (asked over all time only). */
  allTimeOnly?: boolean;
  /** The headline figures of the API's answer. */
  api(body: Record<string, unknown>): Facts;
  /** DuckDB: the statements answering it over `w` (run one after the other), and the same figures from their rows. */
  duck(w: Window): { sql: string[]; facts: (rows: Array<Array<Record<string, unknown>>>) => Facts };
}

interface Suite {
  kind: string;
  /** Generates the files and imports them; `onCompleted` runs once the main import is COMPLETED. */
  load(b: BenchTarget, onCompleted: () => Promise<void>): Promise<{ seconds: number; rows: number }>;
  /** The tables DuckDB gets: name → the SELECT over the product database that fills it. */
  tables: Record<string, string>;
  /** DuckDB column types of each table (in the SELECT's order). */
  columns: Record<string, Record<string, string>>;
  /** How the data spans time, for the summary's heading. */
  span: string;
  /** The data's time range (from the product database) → the three windows. */
  windows(db: Client): Promise<Window[]>;
  questions: Question[];
}

const num = (v: unknown) => Number(v ?? 0);
const round2 = (v: unknown) => num(v).toFixed(2);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** `col >= from AND col < to` in DuckDB SQL (true for unbounded sides). */
function duckWindow(column: string, w: Window, cast: 'TIMESTAMPTZ' | 'DATE'): string {
  const parts = [w.from === null ? null : `${column} >= '${w.from}'::${cast}`, w.to === null ? null : `${column} < '${w.to}'::${cast}`].filter(Boolean);
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

function transactionsSuite(rows: number, seed: number, days: number, shape: string | undefined): Suite {
  const suite = transactionsQuestions(rows, seed, days, shape);
  return { ...suite, questions: [...suite.questions, fullReport(suite.questions)] };
}

function transactionsQuestions(rows: number, seed: number, days: number, shape: string | undefined): Suite {
  const txFile = path.join(os.tmpdir(), `bench-duck-transactions-${rows}-d${days}-s${seed}${shape ? `-${shape}` : ''}.csv`);
  const merchantsFile = path.join(os.tmpdir(), `bench-duck-merchants-${MERCHANTS}-s${seed}.csv`);
  const w = (win: Window) => duckWindow('occurred_at', win, 'TIMESTAMPTZ');
  return {
    kind: 'transactions',
    span: `${days} days`,
    async load(b, onCompleted) {
      await generate(txFile, (out) =>
        writeTransactionsCsv(out, { rows, seed, merchants: MERCHANTS, days, now: new Date('2026-11-30T00:00:00Z'), shape: shape as TransactionsShape | undefined }),
      );
      await generate(merchantsFile, (out) => writeMerchantsCsv(out, { rows: MERCHANTS, seed }));
      await importCsv(b, 'merchants', createReadStream(merchantsFile), statSync(merchantsFile).size);
      const tx = await importCsv(b, 'transactions', createReadStream(txFile, { highWaterMark: 1 << 20 }), statSync(txFile).size, 'text/csv', onCompleted);
      return { seconds: tx.seconds, rows: tx.imp.metrics.rowsLoaded };
    },
    tables: {
      tx: `SELECT transaction_id, merchant_id, zone, category, amount, occurred_at, customer_phone FROM transactions`,
      merchants: `SELECT merchant_id, name, zone FROM merchants`,
    },
    columns: {
      tx: {
        transaction_id: 'VARCHAR',
        merchant_id: 'VARCHAR',
        zone: 'VARCHAR',
        category: 'VARCHAR',
        amount: 'DECIMAL(18,2)',
        occurred_at: 'TIMESTAMPTZ',
        customer_phone: 'VARCHAR',
      },
      merchants: { merchant_id: 'VARCHAR', name: 'VARCHAR', zone: 'VARCHAR' },
    },
    async windows(db) {
      const r = (await db.query<{ lo: Date; hi: Date }>(`SELECT min(occurred_at) AS lo, max(occurred_at) AS hi FROM transactions`)).rows[0];
      // A calendar month in the middle of the data, and 37 hours from an odd instant a third of the way in.
      const mid = new Date((r.lo.getTime() + r.hi.getTime()) / 2);
      const month = new Date(Date.UTC(mid.getUTCFullYear(), mid.getUTCMonth() - (r.hi.getTime() - r.lo.getTime() > 62 * DAY_MS ? 0 : 1), 1));
      const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
      const odd = new Date(Math.floor((r.lo.getTime() + (r.hi.getTime() - r.lo.getTime()) / 3) / DAY_MS) * DAY_MS + 13 * HOUR_MS + 17 * 60_000 + 23_456);
      return [
        { name: 'all time', from: null, to: null },
        { name: 'one month', from: month.toISOString(), to: next.toISOString() },
        { name: '37 hours', from: odd.toISOString(), to: new Date(odd.getTime() + 37 * HOUR_MS).toISOString() },
      ];
    },
    questions: [
      {
        name: 'zone-leaderboard',
        path: '/api/v1/analytics/zone-leaderboard',
        api: (b) => {
          const d = b.data as Array<{ zone: string; totalAmount: number; transactionCount: number }>;
          return { zones: d.length, top: d[0]?.zone ?? '', total: round2(d.reduce((s, z) => s + z.totalAmount, 0)), count: d.reduce((s, z) => s + z.transactionCount, 0) };
        },
        duck: (win) => ({
          sql: [`SELECT zone, sum(amount) AS total, count(*) AS n, round(avg(amount), 2) AS avg FROM tx WHERE ${w(win)} GROUP BY zone ORDER BY total DESC, zone LIMIT 20`],
          facts: ([r]) => ({ zones: r.length, top: str(r[0]?.zone), total: round2(r.reduce((s, z) => s + num(z.total), 0)), count: r.reduce((s, z) => s + num(z.n), 0) }),
        }),
      },
      {
        name: 'category-distribution',
        path: '/api/v1/analytics/category-distribution',
        api: (b) => ({ categories: (b.data as unknown[]).length, total: num(b.totalTransactions) }),
        duck: (win) => ({
          sql: [`SELECT category, count(*) AS n, round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct FROM tx WHERE ${w(win)} GROUP BY category ORDER BY n DESC, category`],
          facts: ([r]) => ({ categories: r.length, total: r.reduce((s, c) => s + num(c.n), 0) }),
        }),
      },
      {
        name: 'dormant-merchants',
        path: '/api/v1/analytics/dormant-merchants',
        api: (b) => ({ total: num((b.pagination as { total: number }).total), first: String((b.data as Array<{ merchantId: string }>)[0]?.merchantId ?? '') }),
        duck: (win) => ({
          // Known merchants (the file's and every one a transaction named) with no transaction in the window; page 1 (50) with
          // name and zone (the file's, else the merchant's most frequent zone).
          sql: [
            `WITH known AS (SELECT merchant_id FROM merchants UNION SELECT DISTINCT merchant_id FROM tx),
                  active AS (SELECT DISTINCT merchant_id FROM tx WHERE ${w(win)}),
                  dormant AS (SELECT merchant_id FROM known ANTI JOIN active USING (merchant_id)),
                  page AS (SELECT merchant_id FROM dormant ORDER BY merchant_id LIMIT 50),
                  tx_zone AS (SELECT merchant_id, arg_max(zone, n) AS zone FROM (SELECT merchant_id, zone, count(*) AS n FROM tx SEMI JOIN page USING (merchant_id) GROUP BY ALL) GROUP BY 1)
             SELECT (SELECT count(*) FROM dormant) AS total, p.merchant_id, coalesce(m.name, 'Unknown') AS name, coalesce(nullif(m.zone, ''), z.zone, 'Unknown') AS zone
             FROM page p LEFT JOIN merchants m USING (merchant_id) LEFT JOIN tx_zone z USING (merchant_id) ORDER BY p.merchant_id`,
          ],
          facts: ([r]) => ({ total: num(r[0]?.total), first: str(r[0]?.merchant_id) }),
        }),
      },
      {
        name: 'hourly-pattern',
        path: '/api/v1/analytics/hourly-pattern',
        api: (b) => ({ count: (b.data as Array<{ transactionCount: number }>).reduce((s, h) => s + h.transactionCount, 0) }),
        duck: (win) => ({
          sql: [`SELECT hour(occurred_at AT TIME ZONE 'UTC') AS h, count(*) AS n, round(avg(amount), 2) AS avg FROM tx WHERE ${w(win)} GROUP BY 1 ORDER BY 1`],
          facts: ([r]) => ({ count: r.reduce((s, h) => s + num(h.n), 0) }),
        }),
      },
      {
        name: 'anomalies',
        path: '/api/v1/analytics/anomalies',
        api: (b) => ({ total: num((b.pagination as { total: number }).total), first: String((b.data as Array<{ transactionId: string }>)[0]?.transactionId ?? '') }),
        duck: (win) => ({
          // Strictly above mean + 3σ (population) of the category in the window; page 1 (50) by amount descending, then id.
          sql: [
            `WITH s AS (SELECT category, avg(amount::DOUBLE) AS m, stddev_pop(amount::DOUBLE) AS sd FROM tx WHERE ${w(win)} GROUP BY 1),
                  a AS (SELECT t.transaction_id, t.amount, t.category, t.occurred_at FROM tx t JOIN s USING (category) WHERE ${w(win)} AND s.sd > 0 AND t.amount::DOUBLE > s.m + 3 * s.sd)
             SELECT (SELECT count(*) FROM a) AS total, * FROM (SELECT * FROM a ORDER BY amount DESC, transaction_id LIMIT 50)`,
          ],
          facts: ([r]) => ({ total: num(r[0]?.total), first: str(r[0]?.transaction_id) }),
        }),
      },
      {
        name: 'customer-retention',
        path: '/api/v1/analytics/customer-retention',
        api: (b) => ({ customers: num(b.totalUniqueCustomers), repeat: num(b.repeatCustomers), unidentified: num(b.unidentifiedTransactions) }),
        duck: (win) => ({
          sql: [
            `SELECT count(*) FILTER (WHERE customer_phone <> 'INVALID') AS customers, count(*) FILTER (WHERE customer_phone <> 'INVALID' AND n > 1) AS repeat,
                    coalesce(sum(n) FILTER (WHERE customer_phone = 'INVALID'), 0) AS unidentified
             FROM (SELECT customer_phone, count(*) AS n FROM tx WHERE ${w(win)} GROUP BY 1)`,
          ],
          facts: ([r]) => ({ customers: num(r[0].customers), repeat: num(r[0].repeat), unidentified: num(r[0].unidentified) }),
        }),
      },
      {
        name: 'customer-retention?cohorts=monthly',
        path: '/api/v1/analytics/customer-retention?cohorts=monthly',
        api: (b) => {
          const cohorts = b.cohorts as Array<{ customers: number; months: unknown[] }>;
          return { customers: num(b.totalUniqueCustomers), cohorts: cohorts.length, cells: cohorts.reduce((s, c) => s + c.months.length, 0) };
        },
        duck: (win) => ({
          sql: [
            `SELECT count(*) FILTER (WHERE customer_phone <> 'INVALID') AS customers, count(*) FILTER (WHERE customer_phone <> 'INVALID' AND n > 1) AS repeat
             FROM (SELECT customer_phone, count(*) AS n FROM tx WHERE ${w(win)} GROUP BY 1)`,
            `WITH m AS (SELECT DISTINCT customer_phone AS phone, date_trunc('month', occurred_at AT TIME ZONE 'UTC') AS month FROM tx WHERE customer_phone <> 'INVALID' AND ${w(win)}),
                  f AS (SELECT phone, min(month) AS first FROM m GROUP BY 1)
             SELECT strftime(f.first, '%Y-%m') AS cohort, datediff('month', f.first, m.month) AS k, count(*) AS customers FROM m JOIN f USING (phone) GROUP BY 1, 2 ORDER BY 1, 2`,
          ],
          facts: ([r, c]) => ({ customers: num(r[0].customers), cohorts: new Set(c.map((x) => x.cohort)).size, cells: c.length }),
        }),
      },
    ],
  };
}

/** The full report: every part at once; DuckDB answers each part's question in turn (the sum of the parts). */
function fullReport(parts: Question[]): Question {
  const part = (name: string) => parts.find((q) => q.name === name)!;
  const names = ['zone-leaderboard', 'category-distribution', 'dormant-merchants', 'hourly-pattern', 'anomalies', 'customer-retention'];
  return {
    name: 'full-report',
    path: '/api/v1/analytics/full-report',
    api: (b) => ({
      total: num(b.totalTransactions),
      dormant: num(b.dormantMerchantCount),
      anomalies: num(b.anomalyCount),
      customers: num((b.customerRetention as { totalUniqueCustomers: number }).totalUniqueCustomers),
    }),
    duck: (win) => {
      const each = names.map((n) => part(n).duck(win));
      return {
        sql: each.flatMap((e) => e.sql),
        facts: (r) => ({
          total: num(each[1].facts([r[1]]).total),
          dormant: num(each[2].facts([r[2]]).total),
          anomalies: num(each[4].facts([r[4]]).total),
          customers: num(each[5].facts([r[5]]).customers),
        }),
      };
    },
  };
}

function salesSuite(rows: number, seed: number, years: number, shape: string | undefined): Suite {
  const file = path.join(os.tmpdir(), `bench-duck-sales-${rows}-y${years}-s${seed}${shape ? `-${shape}` : ''}.csv`);
  const w = (win: Window) => duckWindow('sale_at', win, 'DATE');
  // Sums of the answers' revenues, each rounded to cents as the API rounds it.
  const cents = (v: unknown) => Math.round(num(v) * 100);
  const revenueOf = (rows: Array<{ revenue?: unknown }>) => round2(rows.reduce((s, r) => s + cents(r.revenue), 0) / 100);
  /** A ranked answer (`data` rows with `keyField` and revenue): its length, first key and revenue; DuckDB's SQL (over a WHERE condition) names the key `key`. */
  const ranking = (name: string, keyField: string, sql: (where: string) => string): Question => ({
    name,
    path: `/api/v1/sales/${name}`,
    api: (b) => {
      const d = b.data as Array<Record<string, unknown>>;
      return { rows: d.length, first: str(d[0]?.[keyField]), revenue: revenueOf(d) };
    },
    duck: (win) => ({
      sql: [sql(w(win))],
      facts: ([r]) => ({ rows: r.length, first: str(r[0]?.key), revenue: revenueOf(r) }),
    }),
  });
  return {
    kind: 'sales',
    span: `${years} year${years === 1 ? '' : 's'}`,
    async load(b, onCompleted) {
      await generate(file, (out) => writeSalesCsv(out, { rows, seed, years, shape: shape as SalesShape | undefined }));
      const imp = await importCsv(b, 'sales', createReadStream(file, { highWaterMark: 1 << 20 }), statSync(file).size, 'text/csv', onCompleted);
      return { seconds: imp.seconds, rows: imp.imp.metrics.rowsLoaded };
    },
    tables: {
      sales: `SELECT order_id, product_name, category, region, quantity, unit_price, discount, revenue, sale_at FROM sales`,
    },
    columns: {
      sales: {
        order_id: 'VARCHAR',
        product_name: 'VARCHAR',
        category: 'VARCHAR',
        region: 'VARCHAR',
        quantity: 'BIGINT',
        unit_price: 'DECIMAL(18,2)',
        discount: 'DECIMAL(18,6)',
        revenue: 'DECIMAL(38,8)',
        sale_at: 'TIMESTAMPTZ',
      },
    },
    async windows(db) {
      const r = (await db.query<{ lo: Date; hi: Date }>(`SELECT min(sale_at) AS lo, max(sale_at) AS hi FROM sales`)).rows[0];
      const day = (t: number) => new Date(t).toISOString().slice(0, 10);
      const mid = new Date((r.lo.getTime() + r.hi.getTime()) / 2);
      const month = new Date(Date.UTC(mid.getUTCFullYear(), mid.getUTCMonth(), 1));
      const odd = r.lo.getTime() + (r.hi.getTime() - r.lo.getTime()) / 3;
      // Sales windows are whole UTC days: the odd one is 3 days from a day a third of the way in.
      return [
        { name: 'all time', from: null, to: null },
        { name: 'one month', from: day(month.getTime()), to: day(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1)) },
        { name: '3 days', from: day(odd), to: day(odd + 3 * DAY_MS) },
      ];
    },
    questions: [
      {
        name: 'monthly-summary',
        path: '/api/v1/sales/monthly-summary',
        api: (b) => {
          const d = b.data as Array<{ revenue: number; records: number }>;
          return { months: d.length, revenue: revenueOf(d), records: d.reduce((s, m) => s + m.records, 0) };
        },
        duck: (win) => ({
          sql: [
            `SELECT strftime(sale_at, '%Y-%m') AS month, round(sum(revenue), 2) AS revenue, sum(quantity) AS quantity, round(avg(discount), 4) AS avg_discount, count(*) AS records
             FROM sales WHERE ${w(win)} GROUP BY 1 ORDER BY 1`,
          ],
          facts: ([r]) => ({ months: r.length, revenue: revenueOf(r), records: r.reduce((s, m) => s + num(m.records), 0) }),
        }),
      },
      ranking(
        'top-products',
        'product',
        (where) => `SELECT product_name AS key, sum(revenue) AS revenue, sum(quantity) AS quantity FROM sales WHERE ${where} GROUP BY 1 ORDER BY revenue DESC, 1 LIMIT 10`,
      ),
      ranking(
        'region-performance',
        'region',
        (where) => `SELECT region AS key, sum(revenue) AS revenue, sum(quantity) AS quantity FROM sales WHERE ${where} GROUP BY 1 ORDER BY revenue DESC, 1`,
      ),
      ranking(
        'category-discounts',
        'category',
        (where) => `SELECT category AS key, round(CASE WHEN sum(revenue) = 0 THEN 0 ELSE sum(revenue * discount) / sum(revenue) END, 4) AS weighted, sum(revenue) AS revenue
         FROM sales WHERE ${where} GROUP BY 1 ORDER BY weighted DESC, 1`,
      ),
      {
        name: 'anomalies',
        path: '/api/v1/sales/anomalies',
        api: (b) => {
          const d = b.data as Array<{ orderId: string; score: number }>;
          return { rows: d.length, first: d[0]?.orderId ?? '', score: d[0]?.score ?? 0 };
        },
        duck: (win) => ({
          // The score over the window's averages (exact: x·n > k·Σx), records scoring ≥ 2 by score, revenue, order id.
          sql: [
            `WITH t AS (SELECT count(*) AS n, sum(revenue) AS sr, sum(quantity) AS sq, sum(unit_price) AS sp FROM sales WHERE ${w(win)})
             SELECT order_id, revenue, score FROM (
               SELECT s.order_id, s.revenue,
                 (CASE WHEN s.revenue * t.n > 10 * t.sr THEN 3 ELSE 0 END) + (CASE WHEN s.quantity * t.n > 5 * t.sq THEN 2 ELSE 0 END)
                 + (CASE WHEN s.unit_price * t.n > 5 * t.sp THEN 2 ELSE 0 END) + (CASE WHEN s.discount > 0.7 THEN 1 ELSE 0 END)
                 + (CASE WHEN s.unit_price > 1000 AND s.discount > 0.5 THEN 2 ELSE 0 END) + (CASE WHEN s.revenue > 50000 THEN 1 ELSE 0 END)
                 + (CASE WHEN s.quantity > 100 AND s.unit_price > 500 THEN 2 ELSE 0 END) AS score
               FROM sales s, t WHERE ${w(win).replaceAll('sale_at', 's.sale_at')})
             WHERE score >= 2 ORDER BY score DESC, revenue DESC, order_id LIMIT 5`,
          ],
          facts: ([r]) => ({ rows: r.length, first: str(r[0]?.order_id), score: num(r[0]?.score) }),
        }),
      },
      ranking('top-transactions', 'orderId', (where) => `SELECT order_id AS key, revenue FROM sales WHERE ${where} ORDER BY revenue DESC, order_id LIMIT 10`),
      {
        name: 'data-quality',
        path: '/api/v1/sales/data-quality',
        allTimeOnly: true,
        api: (b) => ({ cleaned: num(b.recordsCleaned), duplicateOrderIds: num(b.duplicateOrderIds), duplicateRows: num(b.duplicateRows) }),
        duck: () => ({
          // The cleaning counts are the import's own figures; what is computed is the repeated order ids over the rows.
          sql: [
            `SELECT (SELECT count(*) FROM sales) AS cleaned, count(*) AS ids, coalesce(sum(n - 1), 0) AS dup_rows
             FROM (SELECT order_id, count(*) AS n FROM sales GROUP BY 1 HAVING count(*) > 1)`,
          ],
          facts: ([r]) => ({ cleaned: num(r[0].cleaned), duplicateOrderIds: num(r[0].ids), duplicateRows: num(r[0].dup_rows) }),
        }),
      },
    ],
  };
}

/** The DuckDB side: the product database's tables copied into an in-memory DuckDB. */
async function loadDuck(db: Client, suite: Suite): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const duck = await instance.connect();
  await duck.run(`SET TimeZone = 'UTC'`);
  for (const [table, select] of Object.entries(suite.tables)) {
    const file = path.join(os.tmpdir(), `bench-duck-export-${table}.csv`);
    await pipeline(db.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT csv, HEADER)`)), createWriteStream(file));
    const started = performance.now();
    const cols = Object.entries(suite.columns[table])
      .map(([c, t]) => `'${c}': '${t}'`)
      .join(', ');
    await duck.run(`CREATE TABLE ${table} AS SELECT * FROM read_csv('${file}', header = true, columns = {${cols}})`);
    const n = (await duck.runAndReadAll(`SELECT count(*) AS n FROM ${table}`)).getRowObjectsJson()[0].n;
    console.log(`DuckDB: ${table} ${Number(n).toLocaleString()} rows loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await fs.rm(file, { force: true });
  }
  return duck;
}

async function askDuck(duck: DuckDBConnection, q: Question, w: Window): Promise<{ ms: number; facts: Facts }> {
  const { sql, facts } = q.duck(w);
  const started = performance.now();
  const results: Array<Array<Record<string, unknown>>> = [];
  for (const s of sql) {
    results.push((await duck.runAndReadAll(s)).getRowObjectsJson());
  }
  return { ms: performance.now() - started, facts: facts(results) };
}

function withWindow(q: Question, w: Window): string {
  const params = [w.from === null ? null : `from=${encodeURIComponent(w.from)}`, w.to === null ? null : `to=${encodeURIComponent(w.to)}`].filter(Boolean);
  return params.length === 0 ? q.path : `${q.path}${q.path.includes('?') ? '&' : '?'}${params.join('&')}`;
}

async function askApi(b: BenchTarget, q: Question, w: Window): Promise<{ ms: number; serverMs: number; facts: Facts }> {
  const started = performance.now();
  const res = await fetch(`${b.app.baseUrl}${withWindow(q, w)}`, { headers: { ...b.headers, 'Cache-Control': 'no-cache' } });
  const body = (await res.json()) as Record<string, unknown>;
  const took = performance.now() - started;
  if (res.status !== 200) {
    throw new Error(`${q.name} (${w.name}) answered ${res.status}: ${JSON.stringify(body)}`);
  }
  if (body.cached) {
    throw new Error(`${q.name} (${w.name}) came from the cache despite Cache-Control: no-cache`);
  }
  return { ms: took, serverMs: num(body.queryTimeMs), facts: q.api(body) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const f = flags();
  const rows = Number(f.rows ?? 1_000_000);
  const seed = Number(f.seed ?? 1);
  const days = Number(f.days ?? 90);
  const tries = Number(f.tries ?? 3);
  const kind = f.kind ?? 'transactions';
  const suite = kind === 'sales' ? salesSuite(rows, seed, Number(f.years ?? 1), f.shape) : transactionsSuite(rows, seed, days, f.shape);
  const config = AppConfig.fromProcessEnv();
  const { url, prefix, dataDir, reset, remove } = benchStage(config, 'duck');
  await reset();

  const redis = new Redis(config.REDIS_URL);
  const db = new Client({ connectionString: url });
  let app: RunningApp | undefined;
  try {
    app = await startApp({ DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn' }, PORT);
    const b: BenchTarget = { app, redis, prefix, headers: HEADERS };
    await db.connect();
    let windows: Window[] = [];
    const first = new Map<string, { ms: number; serverMs: number; facts: Facts }>();
    const key = (q: Question, w: Window) => `${q.name} | ${w.name}`;
    const windowsOf = (q: Question) => (q.allTimeOnly ? windows.slice(0, 1) : windows);
    console.log(`importing ${kind} (${rows.toLocaleString()} rows over ${suite.span}) ...`);
    const loaded = await suite.load(b, async () => {
      const started = performance.now();
      windows = await suite.windows(db);
      for (const q of suite.questions) {
        for (const w of windowsOf(q)) {
          first.set(key(q, w), await askApi(b, q, w));
        }
      }
      console.log(`first answers after COMPLETED: all asked in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });
    console.log(`import ${loaded.seconds.toFixed(1)} s to COMPLETED, ${loaded.rows.toLocaleString()} rows; the worker has finished indexing`);
    console.log(`windows: ${windows.map((w) => `${w.name} [${w.from ?? '-∞'}, ${w.to ?? '∞'})`).join('; ')}`);
    await quiesce(db);

    const uncached = new Map<string, { ms: number; serverMs: number; facts: Facts }>();
    for (const q of suite.questions) {
      for (const w of windowsOf(q)) {
        const runs = [];
        for (let i = 0; i < tries; i++) {
          runs.push(await askApi(b, q, w));
        }
        const mid = median(runs.map((r) => r.ms));
        uncached.set(key(q, w), { ms: mid, serverMs: median(runs.map((r) => r.serverMs)), facts: runs[0].facts });
        console.log(`  platform ${key(q, w).padEnd(52)} ${runs.map((r) => ms(r.ms)).join(' / ')} ms`);
      }
    }

    const duck = await loadDuck(db, suite);
    const duckTimes = new Map<string, { ms: number; facts: Facts }>();
    for (const q of suite.questions) {
      for (const w of windowsOf(q)) {
        await askDuck(duck, q, w); // warm-up
        const runs = [];
        for (let i = 0; i < tries; i++) {
          runs.push(await askDuck(duck, q, w));
        }
        duckTimes.set(key(q, w), { ms: median(runs.map((r) => r.ms)), facts: runs[0].facts });
        console.log(`  DuckDB   ${key(q, w).padEnd(52)} ${runs.map((r) => ms(r.ms)).join(' / ')} ms`);
      }
    }
    duck.closeSync();

    console.log(`\n== bench:analytics-vs-duckdb: ${kind}, ${loaded.rows.toLocaleString()} rows over ${suite.span} (seed ${seed}${f.shape ? `, shape ${f.shape}` : ''}) ==\n`);
    console.log('| answer | window | first after publish ms | uncached ms (server) | DuckDB ms | first ÷ DuckDB | uncached ÷ DuckDB | same answer |');
    console.log('|---|---|---|---|---|---|---|---|');
    let worstFirst = 0;
    let worstUncached = 0;
    const mismatches: string[] = [];
    for (const q of suite.questions) {
      for (const w of windowsOf(q)) {
        const k = key(q, w);
        const [fa, un, dk] = [first.get(k)!, uncached.get(k)!, duckTimes.get(k)!];
        const same = JSON.stringify(un.facts) === JSON.stringify(dk.facts) && JSON.stringify(fa.facts) === JSON.stringify(un.facts);
        if (!same) {
          mismatches.push(`${k}: platform ${JSON.stringify(un.facts)} (first ${JSON.stringify(fa.facts)}), DuckDB ${JSON.stringify(dk.facts)}`);
        }
        const [rf, ru] = [fa.ms / dk.ms, un.ms / dk.ms];
        worstFirst = Math.max(worstFirst, rf);
        worstUncached = Math.max(worstUncached, ru);
        const flag = (r: number, target: number) => (r <= target ? r.toFixed(2) : `**${r.toFixed(2)}**`);
        console.log(`| ${q.name} | ${w.name} | ${ms(fa.ms)} | ${ms(un.ms)} (${ms(un.serverMs)}) | ${ms(dk.ms)} | ${flag(rf, 2)} | ${flag(ru, 1)} | ${same ? 'yes' : '**no**'} |`);
      }
    }
    console.log(
      `\nworst uncached ÷ DuckDB ${worstUncached.toFixed(2)} (target ≤ 1.0: ${met(worstUncached <= 1)}); worst first-after-publish ÷ DuckDB ${worstFirst.toFixed(2)} (target ≤ 2.0: ${met(worstFirst <= 2)})`,
    );
    if (mismatches.length > 0) {
      console.log(`\n**answers differ** (${mismatches.length}):\n${mismatches.map((m) => `  ${m}`).join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    await app?.stop();
    await db.end().catch(() => undefined);
    redis.disconnect();
    if (f.keep) {
      console.log(`\nkept: psql ${url}  (Redis prefix ${prefix}, data dir ${dataDir})`);
      console.log(`app on it: DATABASE_URL=${url} REDIS_PREFIX=${prefix} DATA_DIR=${dataDir} BOOTSTRAP_ADMIN_API_KEY=${KEY} npm run start:prod`);
    } else {
      await remove();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
