import { Injectable } from '@nestjs/common';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { normalizePlatform, readDay } from '@libs/cleaners';
import type { MetricSums } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import type { MarketingFilterQuery } from './dto/marketing-query.dto';
import { MarketingErrors } from './marketing.errors';
import type { MarketingScope, RowFilter, SumsRow } from './marketing.repository';

/** A marketing request's scope: the shared scope (organization, published imports, cache) plus its row filters, validated here. */
@Injectable()
export class MarketingScopeService {
  constructor(private readonly scopes: AnalyticsScopeService) {}

  async resolve(auth: AuthContext, q: MarketingFilterQuery): Promise<MarketingScope> {
    const rows: RowFilter = {
      campaignId: q.campaign_id ?? null,
      adGroupId: q.ad_group_id ?? null,
      adId: q.ad_id ?? null,
      platform: q.platform === undefined ? null : normalizePlatform(q.platform),
      currency: q.currency === undefined ? null : q.currency.toUpperCase(),
      startDay: day('start_date', q.start_date),
      endDay: day('end_date', q.end_date),
    };
    if (rows.startDay !== null && rows.endDay !== null && rows.startDay > rows.endDay) {
      throw MarketingErrors.emptyRange(rows.startDay, rows.endDay);
    }
    const scope = await this.scopes.resolve(auth, 'marketing', q.importId, { ...rows });
    return { ...scope, rows };
  }
}

function day(field: string, raw: string | undefined): string | null {
  if (raw === undefined || raw === '') {
    return null;
  }
  const valid = readDay(raw);
  if (valid === null) {
    throw MarketingErrors.invalidDate(field, raw);
  }
  return valid;
}

/** `day` moved by `n` days (YYYY-MM-DD). */
export function addDays(day: string, n: number): string {
  const t = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) + n * 86400000;
  return new Date(t).toISOString().slice(0, 10);
}

/** Days from `start` to `end`, both included. */
export function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86400000) + 1;
}

/** The one currency of these groups (null when there are none); several → 409 MIXED_CURRENCY. */
export function singleCurrency(groups: Array<Pick<SumsRow, 'currency'>>): string | null {
  const currencies = [...new Set(groups.map((g) => g.currency))].sort();
  if (currencies.length > 1) {
    throw MarketingErrors.mixedCurrency(currencies);
  }
  return currencies[0] ?? null;
}

/** Exact sums of a group read from SQL. */
export function toSums(r: SumsRow): MetricSums {
  return {
    impressions: BigInt(r.impressions),
    clicks: BigInt(r.clicks),
    conversions: BigInt(r.conversions),
    costCents: BigInt(r.cost_cents),
    revenueCents: BigInt(r.revenue_cents),
  };
}

export function addSums(a: MetricSums, b: MetricSums): MetricSums {
  return {
    impressions: a.impressions + b.impressions,
    clicks: a.clicks + b.clicks,
    conversions: a.conversions + b.conversions,
    costCents: a.costCents + b.costCents,
    revenueCents: a.revenueCents + b.revenueCents,
  };
}
