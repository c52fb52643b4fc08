import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { InsightDto } from './dto/marketing-response.dto';

/** The insights each call generated, kept per organization. */
@Injectable()
export class MarketingInsightsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insertMany(orgId: string, items: InsightDto[]): Promise<void> {
    if (items.length === 0) {
      return;
    }
    await this.db.query(
      `INSERT INTO marketing_insights (org_id, type, title, description, entity_id, entity_type, severity, metadata, created_at)
       SELECT $1, type, title, description, entity_id, entity_type, severity, metadata, created_at
       FROM jsonb_to_recordset($2::jsonb) AS x(type text, title text, description text, entity_id text, entity_type text, severity text, metadata jsonb, created_at timestamptz)`,
      [orgId, JSON.stringify(items)],
    );
  }

  async page(orgId: string, type: string | null, page: number, pageSize: number): Promise<{ rows: InsightDto[]; total: number }> {
    const [rows, count] = await Promise.all([
      this.db.query<InsightDto[]>(
        `SELECT type, title, description, entity_id, entity_type, severity, metadata, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
         FROM marketing_insights WHERE org_id = $1 AND ($2::text IS NULL OR type = $2)
         ORDER BY created_at DESC, id LIMIT $3 OFFSET $4`,
        [orgId, type, pageSize, (page - 1) * pageSize],
      ),
      this.db.query<Array<{ n: string }>>(`SELECT count(*)::text AS n FROM marketing_insights WHERE org_id = $1 AND ($2::text IS NULL OR type = $2)`, [orgId, type]),
    ]);
    return { rows, total: Number(count[0].n) };
  }
}
