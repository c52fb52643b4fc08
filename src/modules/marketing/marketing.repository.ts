import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ImportScope } from '@common/analytics-scope/analytics-scope.service';
import { heavyQuery } from '@common/heavy-query';
import { SqlParams } from '@common/sql-params';
import type { Dimension, EntityType } from './dto/marketing-query.dto';
import { isCurrentRow } from './marketing.publish';

/** Row filters of a marketing request (days inclusive, null = unbounded). */
export interface RowFilter {
  campaignId: string | null;
  adGroupId: string | null;
  adId: string | null;
  platform: string | null;
  currency: string | null;
  startDay: string | null;
  endDay: string | null;
}

export interface MarketingScope extends ImportScope {
  rows: RowFilter;
}

/** Exact sums of one group (bigints as decimal strings). */
export interface SumsRow {
  key: string;
  currency: string;
  rows: string;
  impressions: string;
  clicks: string;
  conversions: string;
  cost_cents: string;
  revenue_cents: string;
}

export interface SeriesRow extends SumsRow {
  day: string;
}

export interface DayWindow {
  start: string | null;
  end: string | null;
}

const KEY_EXPR: Record<Dimension, string> = {
  platform: 'platform',
  campaign: 'campaign_id',
  ad_group: 'ad_group_id',
  ad: 'ad_id',
  date: 'day',
  week: `date_trunc('week', day)`,
  month: `date_trunc('month', day)`,
};

/**
 * How a grouped key is written in answers: time buckets are grouped by their date value and
 * formatted once per group (formatting each of 1.46M daily rows first doubled the query).
 */
const KEY_TEXT: Record<Dimension, string> = {
  platform: 'key',
  campaign: 'key',
  ad_group: 'key',
  ad: 'key',
  date: `to_char(key, 'YYYY-MM-DD')`,
  week: `to_char(key, 'YYYY-MM-DD')`,
  month: `to_char(key, 'YYYY-MM')`,
};

const NAME_COLUMN: Record<'campaign' | 'ad_group' | 'ad', [string, string]> = {
  campaign: ['campaign_id', 'campaign_name'],
  ad_group: ['ad_group_id', 'ad_group_name'],
  ad: ['ad_id', 'ad_name'],
};

const SUMS = `sum(impressions)::text AS impressions, sum(clicks)::text AS clicks, sum(conversions)::text AS conversions,
  sum(cost_cents)::text AS cost_cents, sum(revenue_cents)::text AS revenue_cents`;

/**
 * Marketing SQL. Campaign-level answers (no ad group or ad in the filter or the grouping) read
 * marketing_daily, each import's sums of its current rows per campaign and day; ad-level ones read
 * the current rows themselves (no later upload's row has their key). Every statement names the organization and the
 * scope's imports, so only their partitions are read.
 */
@Injectable()
export class MarketingRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Sums per (dimension value, currency); one group per currency when `dim` is null. */
  sums(scope: MarketingScope, window: DayWindow, dim: Dimension | null): Promise<SumsRow[]> {
    const p = new SqlParams();
    const isRowLevel = dim === 'ad' || dim === 'ad_group' || needsRows(scope.rows);
    const key = dim === null ? `''` : KEY_EXPR[dim];
    let where = scopeWhere(scope, window, p);
    if (dim === 'ad' || dim === 'ad_group') {
      where += ` AND ${KEY_EXPR[dim]} <> ''`;
    }
    const grouped = isRowLevel
      ? currentRowSums([`${key} AS key`, 'currency'], where)
      : `SELECT ${key} AS key, currency, sum(row_count)::text AS rows, ${SUMS} FROM marketing_daily m WHERE ${where} GROUP BY 1, 2`;
    const text = `SELECT ${dim === null ? 'key' : KEY_TEXT[dim]} AS key, currency, rows, impressions, clicks, conversions, cost_cents, revenue_cents FROM (${grouped}) g`;
    return isRowLevel ? heavyQuery(this.db, text, p.values) : this.db.query(text, p.values);
  }

  /**
   * Ads with spend in the window whose ROI is below 0 or whose CPA is above `cpaCents` (exact, on
   * the sums), least spend first (then id): only those leave the database.
   */
  underperformingAds(scope: MarketingScope, window: DayWindow, cpaCents: bigint, limit: number): Promise<SumsRow[]> {
    const p = new SqlParams();
    const where = `${scopeWhere(scope, window, p)} AND ad_id <> ''`;
    const cpa = p.add(cpaCents.toString());
    const num = (c: string) => `sum(${c}::numeric)`;
    return heavyQuery(
      this.db,
      `SELECT key, min(currency) AS currency, ${num('rows')}::text AS rows, ${['impressions', 'clicks', 'conversions', 'cost_cents', 'revenue_cents'].map((c) => `${num(c)}::text AS ${c}`).join(', ')}
       FROM (${currentRowSums(['ad_id AS key', 'currency'], where)}) a
       GROUP BY key
       HAVING ${num('cost_cents')} > 0 AND (${num('revenue_cents')} < ${num('cost_cents')} OR (${num('conversions')} > 0 AND ${num('cost_cents')} > ${cpa}::bigint * ${num('conversions')}))
       ORDER BY ${num('cost_cents')}, key LIMIT ${p.add(limit)}`,
      p.values,
    );
  }

  /** Daily sums per entity (one entity, or all of the type) over the window. */
  series(scope: MarketingScope, window: DayWindow, entity: EntityType, entityId: string | null): Promise<SeriesRow[]> {
    const p = new SqlParams();
    const isRowLevel = entity === 'ad' || entity === 'ad_group' || needsRows(scope.rows);
    const key = KEY_EXPR[entity];
    let where = scopeWhere(scope, window, p);
    if (entityId !== null) {
      where += ` AND ${key} = ${p.add(entityId)}`;
    } else if (entity === 'ad' || entity === 'ad_group') {
      where += ` AND ${key} <> ''`;
    }
    const grouped = isRowLevel
      ? currentRowSums([`${key} AS key`, 'day', 'currency'], where)
      : `SELECT ${key} AS key, day, currency, sum(row_count)::text AS rows, ${SUMS} FROM marketing_daily m WHERE ${where} GROUP BY 1, 2, 3`;
    const text = `SELECT key, to_char(day, 'YYYY-MM-DD') AS day, currency, rows, impressions, clicks, conversions, cost_cents, revenue_cents FROM (${grouped}) g`;
    return isRowLevel ? heavyQuery(this.db, text, p.values) : this.db.query(text, p.values);
  }

  /** The latest day with data under the row filters, ignoring their day window (null when none). */
  async latestDay(scope: MarketingScope): Promise<string | null> {
    const p = new SqlParams();
    const isRowLevel = needsRows(scope.rows);
    const where = `${scopeWhere(scope, { start: null, end: null }, p)}${isRowLevel ? ` AND ${isCurrentRow('m', importsParam(scope, p))}` : ''}`;
    const rows = await this.db.query<Array<{ day: string | null }>>(
      `SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM ${isRowLevel ? 'marketing' : 'marketing_daily'} m WHERE ${where}`,
      p.values,
    );
    return rows[0]?.day ?? null;
  }

  /**
   * The name of each entity as on its latest day in scope (the request's filters and window);
   * entities without one are absent. Ties on that day (two platforms, currencies or imports) go to
   * the greatest name, so the answer does not depend on row order.
   */
  async names(scope: MarketingScope, window: DayWindow, entity: 'campaign' | 'ad_group' | 'ad', keys: string[]): Promise<Map<string, string>> {
    if (keys.length === 0) {
      return new Map();
    }
    const [idColumn, nameColumn] = NAME_COLUMN[entity];
    const p = new SqlParams();
    const isRowLevel = entity !== 'campaign' || needsRows(scope.rows);
    const current = isRowLevel ? ` AND ${isCurrentRow('m', importsParam(scope, p))}` : '';
    const where = `${scopeWhere(scope, window, p)}${current} AND ${idColumn} = ANY(${p.add(keys)}::text[]) AND ${nameColumn} IS NOT NULL`;
    const rows = await this.db.query<Array<{ id: string; name: string }>>(
      `SELECT DISTINCT ON (${idColumn}) ${idColumn} AS id, ${nameColumn} AS name FROM ${isRowLevel ? 'marketing' : 'marketing_daily'} m
       WHERE ${where} ORDER BY ${idColumn}, day DESC, ${nameColumn} DESC`,
      p.values,
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}

/** Ad group and ad filters need the rows (the daily rollup is per campaign). */
function needsRows(f: RowFilter): boolean {
  return f.adGroupId !== null || f.adId !== null;
}

/**
 * Sums per `groups` (select expressions, the first two or three of the answer) of the current rows
 * matching `where`: every matching row's sums minus those of the matching rows a later upload
 * superseded (their entries in marketing_superseded keep the row's keys and figures), groups left
 * with no row dropped. Exact, and one scan: checking each row against the superseded list sorted
 * a 30-day window's 400K rows for a merge anti join.
 */
function currentRowSums(groups: string[], where: string): string {
  const by = groups.map((_g, i) => i + 1).join(', ');
  const figures = (sign: string) =>
    `${sign}count(*) AS n, ${['impressions', 'clicks', 'conversions', 'cost_cents', 'revenue_cents'].map((c) => `${sign}sum(${c}) AS ${c}`).join(', ')}`;
  const names = groups.map((g) => g.split(' AS ').pop()!.trim());
  return `SELECT ${names.join(', ')}, sum(n)::text AS rows, ${['impressions', 'clicks', 'conversions', 'cost_cents', 'revenue_cents'].map((c) => `sum(${c})::text AS ${c}`).join(', ')}
    FROM (
      SELECT ${groups.join(', ')}, ${figures('')} FROM marketing m WHERE ${where} GROUP BY ${by}
      UNION ALL
      SELECT ${groups.join(', ')}, ${figures('-')} FROM marketing_superseded m WHERE ${where} GROUP BY ${by}
    ) u GROUP BY ${by} HAVING sum(n) > 0`;
}

/** The scope's imports as an SQL uuid array parameter. */
function importsParam(scope: MarketingScope, p: SqlParams): string {
  return `${p.add(scope.importIds)}::uuid[]`;
}

function scopeWhere(scope: MarketingScope, window: DayWindow, p: SqlParams): string {
  const f = scope.rows;
  let where = `org_id = ${p.add(scope.orgId)} AND import_id = ANY(${importsParam(scope, p)})`;
  if (f.platform !== null) where += ` AND platform = ${p.add(f.platform)}`;
  if (f.campaignId !== null) where += ` AND campaign_id = ${p.add(f.campaignId)}`;
  if (f.adGroupId !== null) where += ` AND ad_group_id = ${p.add(f.adGroupId)}`;
  if (f.adId !== null) where += ` AND ad_id = ${p.add(f.adId)}`;
  if (f.currency !== null) where += ` AND currency = ${p.add(f.currency)}`;
  if (window.start !== null) where += ` AND day >= ${p.add(window.start)}::date`;
  if (window.end !== null) where += ` AND day <= ${p.add(window.end)}::date`;
  return where;
}
