import { Injectable } from '@nestjs/common';
import { parseIsoMicros, TimeWindow } from '@libs/stats';
import { AnalyticsFilterQuery } from './dto/analytics-query.dto';
import { AnalyticsMetaDto, elapsedMs } from '@common/analytics-meta.dto';
import type { AuthContext } from '@modules/auth/auth.context';
import { AnalyticsRepository, AnalyticsScope, ScopeImports } from './analytics.repository';
import { ResultCache } from '@common/cache/result-cache.service';
import { VersionMemo } from '@common/cache/version-memo';
import { AnalyticsErrors } from './transactions.errors';

/**
 * The one place where an analytics request becomes an organization-scoped query: filters are
 * validated, the caller's organization (from its API key) and the imports it may see are
 * resolved in one snapshot together with the data version, and answers are cached by that version.
 */
@Injectable()
export class AnalyticsScopeService {
  private timeZones: Promise<Set<string>> | null = null;
  /** The organization's completed imports at the data version its key was read with. */
  private readonly imports = new VersionMemo<ScopeImports>((orgId) => this.repo.loadScope(orgId));

  constructor(
    private readonly repo: AnalyticsRepository,
    private readonly cache: ResultCache,
  ) {}

  async resolve(auth: AuthContext, filter: AnalyticsFilterQuery): Promise<AnalyticsScope> {
    const window = parseWindow(filter);
    const orgId = auth.orgId;
    const loaded = await this.imports.get(orgId, auth.dataVersion);
    const transactions = loaded?.transactions ?? [];
    let importIds = transactions;
    if (filter.importId) {
      const wanted = filter.importId.toLowerCase();
      if (!transactions.includes(wanted)) {
        throw AnalyticsErrors.unknownImport(filter.importId);
      }
      importIds = [wanted];
    }
    return {
      orgId,
      dataVersion: loaded?.dataVersion ?? '0',
      importIds,
      allTransactionImportIds: transactions,
      merchantImportIds: loaded?.merchants ?? [],
      window,
    };
  }

  async assertTimeZone(tz: string): Promise<void> {
    this.timeZones ??= this.repo.timeZoneNames().then((names) => new Set(names));
    if (!(await this.timeZones).has(tz)) {
      throw AnalyticsErrors.unknownTimeZone(tz);
    }
  }

  /**
   * `compute()`'s answer for this scope and these parameters, from the cache when this data
   * version already answered them; with the meta fields every answer carries.
   */
  async answer<T extends object>(
    scope: AnalyticsScope, name: string, params: Record<string, unknown>, startedAt: number, compute: () => Promise<T>,
  ): Promise<T & AnalyticsMetaDto> {
    const { value, isCached } = await this.cached(scope, name, params, compute);
    return { ...value, queryTimeMs: elapsedMs(startedAt), cached: isCached, dataVersion: scope.dataVersion };
  }

  /** Like answer() without the meta fields (parts of a larger answer). */
  cached<T>(scope: AnalyticsScope, name: string, params: Record<string, unknown>, compute: () => Promise<T>): Promise<{ value: T; isCached: boolean }> {
    const key = JSON.stringify({ ...params, window: scope.window, imports: scope.importIds.length === scope.allTransactionImportIds.length ? '*' : scope.importIds });
    return this.cache.getOrCompute([scope.orgId, `v${scope.dataVersion}`, name, key], () => compute().catch(explainDroppedPartition));
  }
}

/** A partition read by name vanished (its import was deleted mid-query): 409, not 500. */
function explainDroppedPartition(err: unknown): never {
  if ((err as { code?: string }).code === UNDEFINED_TABLE) {
    throw AnalyticsErrors.dataChanged();
  }
  throw err;
}

const UNDEFINED_TABLE = '42P01';

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
