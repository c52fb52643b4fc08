import { createSalesCleaner } from '@libs/cleaners';
import { SalesImportAccumulator, SalesRowAggregator } from '@libs/rollups';
import type { DatasetKind } from '@libs/ingest';
import { publishSales, SALES_ROLLUP_TABLES } from './sales.publish';

export const salesKind: DatasetKind = {
  name: 'sales',
  description: 'Messy sales exports (the sales pipeline format): names, regions and categories are normalised, quantities, prices, discounts and dates cleaned',
  columns: [
    { name: 'order_id', required: true, description: 'Order identifier; repeats are kept (the source system repeats them) and counted in data-quality' },
    { name: 'product_name', required: true, description: 'Misspellings mapped (laptop pro → Laptop Pro 15, smartfone x → Smartphone X, …); unknown names title-cased' },
    { name: 'category', required: true, description: 'electronics → Electronics, home appliances → Home Appliance, clothing → Fashion; unknown ones title-cased' },
    { name: 'quantity', required: true, description: 'Positive whole number, optionally with a unit word ("5 units"); else dropped as INVALID_QUANTITY' },
    { name: 'unit_price', required: true, description: 'Non-negative number; a leading currency symbol and thousands separators are accepted ("$1,299.50"); else INVALID_PRICE' },
    { name: 'discount_percent', required: true, description: 'A fraction in [0, 1] (0.15 = 15 %); else INVALID_DISCOUNT' },
    { name: 'region', required: true, description: 'nort/north → North, sout → South, eas → East, wes → West; unknown ones title-cased' },
    {
      name: 'sale_date',
      required: true,
      description: 'YYYY-MM-DD HH:MM:SS, YYYY/MM/DD, YYYY-MM-DD, DD-Mon-YYYY, MM/DD/YYYY or DD/MM/YYYY, tried in that order (naive = UTC); empty → MISSING_DATE, else INVALID_DATE',
    },
    { name: 'customer_email', required: false, description: "Lower-cased when it looks like an address, else 'anonymous' (never drops the row)" },
  ],
  table: 'sales',
  windowColumn: 'sale_at',
  copyColumns: ['order_id', 'product_name', 'category', 'quantity', 'unit_price', 'discount', 'region', 'sale_at', 'customer_email', 'revenue', 'fixed_score'],
  copyTypes: ['text', 'text', 'text', 'int4', 'numeric', 'numeric', 'text', 'timestamptz', 'text', 'numeric', 'int4'],
  // Built before the publish: duplicate order ids (data-quality), top transactions and the
  // candidates of the anomaly rules (each rule is a range on one of these columns).
  indexes: [
    { suffix: 'order', columns: '(order_id)' },
    // sale_at second: a window is tested inside the index, so only the window's candidates are
    // read (reading every candidate of all time, then the window, took 1.2 s at 10M rows for 3
    // days); the other rules' inputs included, so that candidates are scored index-only.
    // Migration 18 moves existing partitions onto these.
    { suffix: 'revenue_at', columns: '(revenue, sale_at) INCLUDE (quantity, unit_price, fixed_score, line_no)' },
    { suffix: 'qty_at', columns: '(quantity, sale_at) INCLUDE (revenue, unit_price, fixed_score, line_no)' },
    { suffix: 'price_at', columns: '(unit_price, sale_at) INCLUDE (revenue, quantity, fixed_score, line_no)' },
    { suffix: 'fixed_at', columns: '(fixed_score, sale_at) INCLUDE (revenue, quantity, unit_price, line_no) WHERE fixed_score >= 2' },
  ],
  createCleaner: createSalesCleaner,
  rollup: {
    createRowAggregator: (budget) => new SalesRowAggregator(budget),
    createImportAccumulator: (budget) => new SalesImportAccumulator(budget),
    storedValuesSql: `order_id, product_name, category, quantity::text, unit_price::text, discount::text, region,
      to_char(sale_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00:00', customer_email, revenue::text, fixed_score::text`,
  },
  publish: publishSales,
  rollupTables: SALES_ROLLUP_TABLES,
};
