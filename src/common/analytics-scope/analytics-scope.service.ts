import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@config/app-config';
import { withStatementTimeout } from '@common/request-context';
import { AnalyticsMetaDto, elapsedMs } from '@common/analytics-meta.dto';
import { answerOf } from '@common/cache/serialized-answer';
import { ResultCache } from '@common/cache/result-cache.service';
import { Metrics } from '@common/metrics/metrics.service';
import { VersionMemo } from '@common/cache/version-memo';
import { AppError } from '@common/errors';
import type { AuthContext } from '@modules/auth/auth.context';
import { OrgImports, OrgImportsRepository } from './org-imports.repository';

/**
 * What an analytics query may see: one organization's published imports of a kind (all, or the
 * one asked for), at the data version they were read with, and the domain's own filters (a time
 * window, a day range) that are part of every cache key.
 */
export interface ImportScope {
  orgId: string;
  dataVersion: string;
  kind: string;
  /** The kind's published imports in scope. */
  importIds: string[];
  /** True when no importId narrowed them. */
  isAllImports: boolean;
  /** Every kind's published imports (a domain may read another kind's, e.g. merchants). */
  byKind: Record<string, string[]>;
  /** The rollups an import lacks (its data had too many distinct values): read its rows instead. */
  missingRollups: Record<string, string[]>;
  /** The domain's filters, part of every cache key. */
  filter: Record<string, unknown>;
}

const UNDEFINED_TABLE = '42P01';

export const ScopeErrors = {
  unknownImport: (id: string, kind: string) =>
    new AppError('IMPORT_NOT_FOUND', HttpStatus.NOT_FOUND, `Import ${id} is not a completed ${kind} import of your organization`, { importId: id }),
  dataChanged: () => new AppError('DATA_CHANGED', HttpStatus.CONFLICT, 'An import in scope was deleted while this answer was being computed; ask again'),
};

/**
 * The one place where an analytics request of any domain becomes an organization-scoped query:
 * the caller's organization (from its key) and the imports it may see are resolved in one
 * snapshot with its data version (memoised per version), an importId is checked to be one of
 * them, and answers are cached under that version, so they are never stale. A query that meets a
 * partition dropped under it answers 409, not 500.
 */
@Injectable()
export class AnalyticsScopeService {
  private readonly imports = new VersionMemo<OrgImports>((orgId) => this.repo.load(orgId));

  constructor(
    private readonly repo: OrgImportsRepository,
    private readonly cache: ResultCache,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** The organization's published imports at the caller's data version. */
  async orgImports(auth: AuthContext): Promise<OrgImports> {
    return (await this.imports.get(auth.orgId, auth.dataVersion)) ?? { dataVersion: '0', byKind: {}, missingRollups: {} };
  }

  async resolve(auth: AuthContext, kind: string, importId: string | undefined, filter: Record<string, unknown> = {}): Promise<ImportScope> {
    const loaded = await this.orgImports(auth);
    const all = loaded.byKind[kind] ?? [];
    let importIds = all;
    if (importId) {
      const wanted = importId.toLowerCase();
      if (!all.includes(wanted)) {
        throw ScopeErrors.unknownImport(importId, kind);
      }
      importIds = [wanted];
    }
    return {
      orgId: auth.orgId,
      dataVersion: loaded.dataVersion,
      kind,
      importIds,
      isAllImports: importIds === all,
      byKind: loaded.byKind,
      missingRollups: loaded.missingRollups,
      filter,
    };
  }

  /**
   * `compute()`'s answer for this scope and these parameters, from the cache when this data
   * version already answered them; with the meta fields every answer carries.
   */
  async answer<T extends object>(scope: ImportScope, name: string, params: Record<string, unknown>, startedAt: number, compute: () => Promise<T>): Promise<T & AnalyticsMetaDto> {
    const { value, isCached } = await this.cached(scope, name, params, compute);
    return answerOf(value, { queryTimeMs: elapsedMs(startedAt), cached: isCached, dataVersion: scope.dataVersion });
  }

  /** Like answer() without the meta fields (parts of a larger answer). */
  cached<T>(scope: ImportScope, name: string, params: Record<string, unknown>, compute: () => Promise<T>): Promise<{ value: T; isCached: boolean }> {
    const key = JSON.stringify({ ...params, ...scope.filter, imports: scope.isAllImports ? '*' : scope.importIds });
    // Computed once per data version and cached: its queries get ANALYTICS_QUERY_TIMEOUT_MS, not QUERY_TIMEOUT_MS.
    const computeOnce = () => withStatementTimeout(this.config.ANALYTICS_QUERY_TIMEOUT_MS, compute).catch(explainDroppedPartition);
    return this.cache.getOrCompute([scope.orgId, `v${scope.dataVersion}`, scope.kind, name, key], computeOnce).then((found) => {
      this.metrics.cacheLookup(scope.kind, found.hitFrom ?? 'miss');
      return found;
    });
  }
}

/**
 * `importIds` split by whether they have the rollup `name`: [with it, without it (read their rows)].
 */
export function splitByRollup(scope: Pick<ImportScope, 'missingRollups'>, importIds: string[], name: string): [string[], string[]] {
  const rolled: string[] = [];
  const raw: string[] = [];
  for (const id of importIds) {
    (scope.missingRollups[id]?.includes(name) ? raw : rolled).push(id);
  }
  return [rolled, raw];
}

/** A partition read by name vanished (its import was deleted mid-query): 409, not 500. */
function explainDroppedPartition(err: unknown): never {
  if ((err as { code?: string }).code === UNDEFINED_TABLE) {
    throw ScopeErrors.dataChanged();
  }
  throw err;
}
