import type { Client } from 'pg';

/** The filters of the marketing answers, as query-string values. */
export interface MarketingRefFilter {
  campaign_id?: string;
  ad_group_id?: string;
  ad_id?: string;
  platform?: string;
  start_date?: string;
  end_date?: string;
  importId?: string;
  currency?: string;
}

export interface RefFigures {
  impressions: number;
  clicks: number;
  conversions: number;
  cost: number;
  revenue: number;
  roi: number | null;
  roas: number | null;
  cpc: number | null;
  cpa: number | null;
  ctr: number | null;
  cvr: number | null;
}

const KEY_EXPR: Record<string, string> = {
  platform: 'platform',
  campaign: 'campaign_id',
  ad_group: 'ad_group_id',
  ad: 'ad_id',
  date: `to_char(day, 'YYYY-MM-DD')`,
  week: `to_char(date_trunc('week', day), 'YYYY-MM-DD')`,
  month: `to_char(day, 'YYYY-MM')`,
};

/** The formulas in PostgreSQL numerics (round() halves away from zero), NULLIF for zero denominators. */
const FIGURES = `
  sum(impressions)::bigint AS impressions, sum(clicks)::bigint AS clicks, sum(conversions)::bigint AS conversions,
  round(sum(cost_cents) / 100.0, 2) AS cost, round(sum(revenue_cents) / 100.0, 2) AS revenue,
  round((sum(revenue_cents) - sum(cost_cents)) * 100.0 / NULLIF(sum(cost_cents), 0), 4) AS roi,
  round(sum(revenue_cents)::numeric / NULLIF(sum(cost_cents), 0), 4) AS roas,
  round(sum(cost_cents) / 100.0 / NULLIF(sum(clicks), 0), 2) AS cpc,
  round(sum(cost_cents) / 100.0 / NULLIF(sum(conversions), 0), 2) AS cpa,
  round(sum(clicks) * 100.0 / NULLIF(sum(impressions), 0), 4) AS ctr,
  round(sum(conversions) * 100.0 / NULLIF(sum(clicks), 0), 4) AS cvr`;

/**
 * Independent answers for the marketing outputs: plain SQL over the raw `marketing` rows of one
 * organization. The winning row of each key is found here on its own terms (the live import
 * uploaded last holding the key), not from marketing_superseded or the daily rollup the product
 * reads; sums and formulas in PostgreSQL numerics.
 */
export function marketingReference(db: Client, orgId: string) {
  const winners = `(
    SELECT DISTINCT ON (m.platform, m.campaign_id, m.ad_group_id, m.ad_id, m.day) m.*
    FROM marketing m JOIN imports i ON i.id = m.import_id
    WHERE m.org_id = $1 AND i.status = 'COMPLETED' AND i.deleted_at IS NULL
    ORDER BY m.platform, m.campaign_id, m.ad_group_id, m.ad_id, m.day, i.created_at DESC, i.id DESC) w`;
  const where = (f: MarketingRefFilter, params: unknown[]) => {
    const parts: string[] = ['true'];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      parts.push(sql.replace('?', `$${params.length}`));
    };
    if (f.campaign_id) add('campaign_id = ?', f.campaign_id);
    if (f.ad_group_id) add('ad_group_id = ?', f.ad_group_id);
    if (f.ad_id) add('ad_id = ?', f.ad_id);
    if (f.platform) add('platform = ?', f.platform);
    if (f.start_date) add('day >= ?::date', f.start_date);
    if (f.end_date) add('day <= ?::date', f.end_date);
    if (f.importId) add('import_id = ?::uuid', f.importId);
    if (f.currency) add('currency = ?', f.currency.toUpperCase());
    return parts.join(' AND ');
  };
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const toFigures = (r: Record<string, unknown>): RefFigures => ({
    impressions: Number(r.impressions ?? 0),
    clicks: Number(r.clicks ?? 0),
    conversions: Number(r.conversions ?? 0),
    cost: Number(r.cost ?? 0),
    revenue: Number(r.revenue ?? 0),
    roi: num(r.roi),
    roas: num(r.roas),
    cpc: num(r.cpc),
    cpa: num(r.cpa),
    ctr: num(r.ctr),
    cvr: num(r.cvr),
  });

  return {
    /** Totals and formulas, with the distinct currencies in scope. */
    async roi(f: MarketingRefFilter): Promise<RefFigures & { currencies: string[]; rows: number }> {
      const params: unknown[] = [orgId];
      const w = where(f, params);
      const [r] = (
        await db.query(
          `SELECT ${FIGURES}, count(*)::int AS rows, coalesce(array_agg(DISTINCT currency) FILTER (WHERE currency IS NOT NULL), '{}') AS currencies FROM ${winners} WHERE ${w}`,
          params,
        )
      ).rows;
      return { ...toFigures(r), rows: r.rows, currencies: (r.currencies as string[]).sort() };
    },

    /** One row per dimension value (rows without the id left out of ad group and ad breakdowns). */
    async breakdown(f: MarketingRefFilter, dimension: string): Promise<Map<string, RefFigures>> {
      const params: unknown[] = [orgId];
      let w = where(f, params);
      if (dimension === 'ad' || dimension === 'ad_group') w += ` AND ${KEY_EXPR[dimension]} <> ''`;
      const rows = (await db.query(`SELECT ${KEY_EXPR[dimension]} AS key, ${FIGURES} FROM ${winners} WHERE ${w} GROUP BY 1`, params)).rows;
      return new Map(rows.map((r) => [r.key as string, toFigures(r)]));
    },

    /** Daily figure values of each entity over [start, end] (only days with rows). */
    async daily(f: MarketingRefFilter, entity: string, start: string, end: string): Promise<Map<string, Map<string, RefFigures>>> {
      const params: unknown[] = [orgId];
      let w = where({ ...f, start_date: start, end_date: end }, params);
      if (entity === 'ad' || entity === 'ad_group') w += ` AND ${KEY_EXPR[entity]} <> ''`;
      const rows = (await db.query(`SELECT ${KEY_EXPR[entity]} AS key, to_char(day, 'YYYY-MM-DD') AS day, ${FIGURES} FROM ${winners} WHERE ${w} GROUP BY 1, 2`, params)).rows;
      const out = new Map<string, Map<string, RefFigures>>();
      for (const r of rows) {
        if (!out.has(r.key)) out.set(r.key, new Map());
        out.get(r.key)!.set(r.day, toFigures(r));
      }
      return out;
    },

    async latestDay(f: MarketingRefFilter): Promise<string | null> {
      const params: unknown[] = [orgId];
      const w = where({ ...f, start_date: undefined, end_date: undefined }, params);
      const [r] = (await db.query(`SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM ${winners} WHERE ${w}`, params)).rows;
      return r.day;
    },

    /** Rows of `importId` whose key some earlier live import also held when it was published (what it replaced). */
    async keysShared(importId: string, earlierIds: string[]): Promise<number> {
      const [r] = (
        await db.query(
          `SELECT count(DISTINCT (m.platform, m.campaign_id, m.ad_group_id, m.ad_id, m.day))::int AS n
           FROM marketing m JOIN marketing e USING (platform, campaign_id, ad_group_id, ad_id, day)
           WHERE m.org_id = $1 AND m.import_id = $2 AND e.import_id = ANY($3::uuid[])`,
          [orgId, importId, earlierIds],
        )
      ).rows;
      return r.n;
    },
  };
}

/** Days from start to end inclusive. */
export function dayList(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86400000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

export function shiftDay(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
}

/**
 * The z-score rule written out plainly: mean, sample standard deviation, |z| ≥ threshold,
 * fewer than 7 points / all zeros / no spread → none.
 */
export function refAnomalies(series: Array<{ date: string; value: number }>, threshold = 2.5) {
  const n = series.length;
  const values = series.map((p) => p.value);
  if (n < 7 || values.every((v) => v === 0)) return [];
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  if (sd < 1e-12 * Math.max(1, Math.abs(mean))) return [];
  return series
    .map((p) => ({ ...p, z: (p.value - mean) / sd }))
    .filter((p) => Math.abs(p.z) >= threshold)
    .map((p) => ({
      date: p.date,
      value: p.value,
      z: p.z,
      mean,
      severity: Math.abs(p.z) >= 3.5 ? 'high' : 'medium',
      pct: mean > 0 ? (Math.abs(p.value - mean) / mean) * 100 : 0,
    }));
}
