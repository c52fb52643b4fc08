import { attachImportTable, createImportTable, partitionName } from '../partitions';
import type { PublishContext, PublishRef, Sql } from './kind.types';

/**
 * In the publish transaction: sums the import's rows per UTC day, product, category and region
 * into its partition of sales_daily (exact numeric sums), attached with the rows. Every sales
 * output but anomalies and top transactions reads only this table (a few thousand rows an import).
 */
export async function publishSales(ctx: PublishContext, ref: PublishRef): Promise<void> {
  const daily = await createImportTable(ctx.sql, 'sales_daily', ref.orgId, ref.importId);
  await ctx.sql(
    `INSERT INTO ${daily} (day, product_name, category, region, row_count, quantity, revenue, discount_sum, revenue_discount, price_sum)
     SELECT (sale_at AT TIME ZONE 'UTC')::date, product_name, category, region,
            count(*), sum(quantity), sum(revenue), sum(discount), sum(revenue * discount), sum(unit_price)
     FROM ${ref.partition} GROUP BY 1, 2, 3, 4`,
  );
  await ctx.sql(`CREATE INDEX ${daily}_day_idx ON ${daily} (day)`);
  await ctx.sql(`ANALYZE ${daily}`);
  await attachImportTable(ctx.sql, 'sales_daily', ref.importId);
}

/** In the delete transaction: drops the import's rollup partition. */
export async function unpublishSales(sql: Sql, ref: PublishRef): Promise<void> {
  await sql(`DROP TABLE IF EXISTS ${partitionName('sales_daily', ref.importId)}`);
}
