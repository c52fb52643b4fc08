export * from './cleaner.types';
export * from './text';
export { createTransactionsCleaner, TRANSACTIONS_CATEGORY_MAP } from './transactions.cleaner';
export { createMerchantsCleaner } from './merchants.cleaner';
export * from './sales.cleaner';
export * from './sales.vocabulary';
export * from './sales.revenue';
export * from './store-monitoring.cleaner';
export * from './marketing.cleaner';
