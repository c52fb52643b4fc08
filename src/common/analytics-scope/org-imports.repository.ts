import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** An organization's data version and its published imports by kind, read in one snapshot. */
export interface OrgImports {
  dataVersion: string;
  byKind: Record<string, string[]>;
  /** The rollups an import's publish did not build (imports that lack none are not listed). */
  missingRollups: Record<string, string[]>;
}

@Injectable()
export class OrgImportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Published means COMPLETED and not being deleted; ids sorted, so equal scopes give equal cache keys. */
  async load(orgId: string): Promise<OrgImports | null> {
    const rows = await this.db.query<Array<{ data_version: string; kind: string | null; ids: string[] | null; missing: Record<string, string[]> | null }>>(
      `SELECT o.data_version::text, i.kind, array_agg(i.id ORDER BY i.id) FILTER (WHERE i.id IS NOT NULL) AS ids,
              jsonb_object_agg(i.id, i.missing_rollups) FILTER (WHERE cardinality(i.missing_rollups) > 0) AS missing
       FROM organizations o
       LEFT JOIN imports i ON i.org_id = o.id AND i.status = 'COMPLETED' AND i.deleted_at IS NULL
       WHERE o.id = $1 GROUP BY o.data_version, i.kind`,
      [orgId],
    );
    if (rows.length === 0) {
      return null;
    }
    const byKind: Record<string, string[]> = {};
    const missingRollups: Record<string, string[]> = {};
    for (const r of rows) {
      if (r.kind) {
        byKind[r.kind] = r.ids ?? [];
        Object.assign(missingRollups, r.missing ?? {});
      }
    }
    return { dataVersion: rows[0].data_version, byKind, missingRollups };
  }
}
