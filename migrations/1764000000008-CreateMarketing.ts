import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The marketing kind: one row per ad (or campaign) and day, partitioned by import like every
 * dataset table. Ad platforms restate recent days, so a key (platform, campaign, ad group, ad,
 * day) may be held by several imports: the one uploaded last holds the current row, the others'
 * rows are kept (deleting the later import brings them back) and listed in marketing_superseded
 * (partitioned by the superseded row's import; rewriting the rows' own pages with an UPDATE cost
 * 20 s per million rows through their indexes, inserting there ~1 s).
 * marketing_daily sums each import's current rows per campaign and day (every campaign-level
 * answer reads it); marketing_insights keeps what each insights call generated.
 * imports.rows_replaced: rows of earlier imports an import's rows replaced when it published.
 */
export class CreateMarketing1764000000008 implements MigrationInterface {
  name = 'CreateMarketing1764000000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE marketing (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        platform text COLLATE "C" NOT NULL,
        campaign_id text COLLATE "C" NOT NULL,
        campaign_name text,
        ad_group_id text COLLATE "C" NOT NULL,
        ad_group_name text,
        ad_id text COLLATE "C" NOT NULL,
        ad_name text,
        creative_url text,
        day date NOT NULL,
        impressions bigint NOT NULL,
        clicks bigint NOT NULL,
        conversions bigint NOT NULL,
        cost_cents bigint NOT NULL,
        revenue_cents bigint NOT NULL,
        currency text COLLATE "C" NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE marketing_superseded (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        superseded_by uuid NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE marketing_daily (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        platform text COLLATE "C" NOT NULL,
        campaign_id text COLLATE "C" NOT NULL,
        currency text COLLATE "C" NOT NULL,
        day date NOT NULL,
        campaign_name text,
        row_count bigint NOT NULL,
        impressions bigint NOT NULL,
        clicks bigint NOT NULL,
        conversions bigint NOT NULL,
        cost_cents bigint NOT NULL,
        revenue_cents bigint NOT NULL
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE marketing_insights (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        type text NOT NULL,
        title text NOT NULL,
        description text NOT NULL,
        entity_id text,
        entity_type text,
        severity text NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX marketing_insights_org_created_idx ON marketing_insights (org_id, created_at DESC, id)`);
    await q.query(`ALTER TABLE imports ADD COLUMN rows_replaced bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE imports DROP COLUMN rows_replaced`);
    await q.query(`DROP TABLE marketing_insights`);
    await q.query(`DROP TABLE marketing_daily`);
    await q.query(`DROP TABLE marketing_superseded`);
    await q.query(`DROP TABLE marketing`);
  }
}
