import { Injectable } from '@nestjs/common';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import { parseIsoMicros, TimeWindow } from '@libs/stats';
import type { AuthContext } from '@modules/auth/auth.context';
import { AnalyticsFilterQuery } from './dto/analytics-query.dto';
import { AnalyticsRepository, AnalyticsScope } from './analytics.repository';
import { AnalyticsErrors } from './transactions.errors';

/**
 * A transactions analytics request's scope: the shared scope (organization, published imports,
 * cache by data version) plus the time window, validated here, and the merchants imports.
 */
@Injectable()
export class TransactionsScopeService {
  private timeZones: Promise<Set<string>> | null = null;

  constructor(
    private readonly scopes: AnalyticsScopeService,
    private readonly repo: AnalyticsRepository,
  ) {}

  async resolve(auth: AuthContext, filter: AnalyticsFilterQuery): Promise<AnalyticsScope> {
    const window = parseWindow(filter);
    const scope = await this.scopes.resolve(auth, 'transactions', filter.importId, { window });
    return {
      ...scope,
      allTransactionImportIds: scope.byKind.transactions ?? [],
      merchantImportIds: scope.byKind.merchants ?? [],
      window,
    };
  }

  async assertTimeZone(tz: string): Promise<void> {
    this.timeZones ??= this.repo.timeZoneNames().then((names) => new Set(names));
    if (!(await this.timeZones).has(tz)) {
      throw AnalyticsErrors.unknownTimeZone(tz);
    }
  }
}

function parseWindow(filter: AnalyticsFilterQuery): TimeWindow {
  const read = (field: 'from' | 'to'): number | null => {
    const raw = filter[field];
    if (raw === undefined || raw === '') {
      return null;
    }
    const us = parseIsoMicros(raw);
    if (us === null) {
      throw AnalyticsErrors.invalidTimestamp(field, raw);
    }
    return us;
  };
  const fromUs = read('from');
  const toUs = read('to');
  if (fromUs !== null && toUs !== null && fromUs >= toUs) {
    throw AnalyticsErrors.emptyRange(filter.from!, filter.to!);
  }
  return { fromUs, toUs };
}
