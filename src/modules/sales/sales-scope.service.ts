import { Injectable } from '@nestjs/common';
import { AnalyticsMetaDto, elapsedMs } from '@common/analytics-meta.dto';
import { ResultCache } from '@common/cache/result-cache.service';
import { VersionMemo } from '@common/cache/version-memo';
import type { AuthContext } from '@modules/auth/auth.context';
import { SalesRepository, SalesScope } from './sales.repository';
import { SalesErrors } from './sales.errors';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The one place where a sales request becomes an organization-scoped query: the caller's
 * organization comes from its key, its completed sales imports are read in the same snapshot as
 * its data version, the day window is validated, and answers are cached under that version.
 */
@Injectable()
export class SalesScopeService {
  /** The organization's completed sales imports at the data version its key was read with. */
  private readonly imports = new VersionMemo((orgId) => this.repo.loadScope(orgId));

  constructor(
    private readonly repo: SalesRepository,
    private readonly cache: ResultCache,
  ) {}

  async resolve(auth: AuthContext, filter: { from?: string; to?: string; importId?: string }): Promise<SalesScope> {
    const fromDay = readDay('from', filter.from);
    const toDay = readDay('to', filter.to);
    if (fromDay !== null && toDay !== null && fromDay >= toDay) {
      throw SalesErrors.emptyRange(fromDay, toDay);
    }
    const loaded = await this.imports.get(auth.orgId, auth.dataVersion);
    const all = loaded?.importIds ?? [];
    let importIds = all;
    if (filter.importId) {
      const wanted = filter.importId.toLowerCase();
      if (!all.includes(wanted)) {
        throw SalesErrors.unknownImport(filter.importId);
      }
      importIds = [wanted];
    }
    return { orgId: auth.orgId, dataVersion: loaded?.dataVersion ?? '0', importIds, isAllImports: importIds === all, fromDay, toDay };
  }

  /** `compute()`'s answer for this scope and parameters, cached per data version, with the meta fields. */
  async answer<T extends object>(
    scope: SalesScope, name: string, params: Record<string, unknown>, startedAt: number, compute: () => Promise<T>,
  ): Promise<T & AnalyticsMetaDto> {
    const key = JSON.stringify({ ...params, from: scope.fromDay, to: scope.toDay, imports: scope.isAllImports ? '*' : scope.importIds });
    // Queries read the parent tables: a concurrent delete waits for them (its DROP takes an exclusive lock).
    const { value, isCached } = await this.cache.getOrCompute([scope.orgId, `v${scope.dataVersion}`, 'sales', name, key], compute);
    return { ...value, queryTimeMs: elapsedMs(startedAt), cached: isCached, dataVersion: scope.dataVersion };
  }
}

/** A YYYY-MM-DD calendar date, or null when absent. */
function readDay(field: string, raw: string | undefined): string | null {
  if (raw === undefined || raw === '') {
    return null;
  }
  const m = DAY.exec(raw.trim());
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) {
      return m[0];
    }
  }
  throw SalesErrors.invalidDate(field, raw);
}
