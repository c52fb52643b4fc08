import { createTransactionsCleaner } from '@libs/cleaners';
import { TxImportAccumulator, TxRowAggregator } from '@libs/rollups';
import type { DatasetKind } from '@libs/ingest';
import { publishTransactions, TX_ROLLUP_TABLES } from './transactions.publish';

export const transactionsKind: DatasetKind = {
  name: 'transactions',
  description: 'Payment transactions (the Django analytics engine format)',
  columns: [
    { name: 'TRANSACTION_ID', required: true, description: 'Unique per organization; repeats are rejected as DUPLICATE_ID' },
    { name: 'MERCHANT_ID', required: true, description: 'Merchant identifier' },
    { name: 'ZONE', required: true, description: 'Zone; upper-cased' },
    { name: 'CATEGORY', required: true, description: 'Category; title-cased and synonyms mapped (GROCERIES→Grocery, CLOTHING→Fashion, …)' },
    { name: 'AMOUNT', required: true, description: 'Decimal 0..1,000,000; currency symbols and separators are stripped' },
    {
      name: 'TIMESTAMP',
      required: true,
      description: 'ISO 8601 (Z or offset), YYYY-MM-DD HH:MM[:SS], YYYY/MM/DD HH:MM:SS, DD/MM/YYYY HH:MM:SS or YYYY-MM-DD (naive = UTC); not in the future',
    },
    { name: 'CUSTOMER_PHONE', required: true, description: "Digits and '+' kept; fewer than 10 or more than 15 digits becomes INVALID (never rejects)" },
  ],
  table: 'transactions',
  windowColumn: 'occurred_at',
  copyColumns: ['transaction_id', 'merchant_id', 'zone', 'category', 'amount', 'occurred_at', 'customer_phone'],
  copyTypes: ['text', 'text', 'text', 'text', 'numeric', 'timestamptz', 'text'],
  uniqueKey: ['transaction_id'],
  // Analytics: raw rows at the edges of a time window, and the anomaly tail of each category.
  indexes: [
    { suffix: 'time', columns: '(occurred_at) INCLUDE (merchant_id)' },
    // The tail's page is listed from the index alone (migration 21): no row is read for a window's test.
    { suffix: 'amt_id', columns: '(category, amount) INCLUDE (occurred_at, transaction_id)' },
    // Customers of one import looked up from another's (merged retention over several imports).
    { suffix: 'phone', columns: '(phone) INCLUDE (tx_count)', table: 'tx_customers' },
  ],
  createCleaner: createTransactionsCleaner,
  rollup: {
    createRowAggregator: (budget) => new TxRowAggregator(budget),
    createImportAccumulator: (budget) => new TxImportAccumulator(budget),
    storedValuesSql: `transaction_id, merchant_id, zone, category, amount::text,
      to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00:00', customer_phone`,
  },
  publish: publishTransactions,
  rollupTables: TX_ROLLUP_TABLES,
};
