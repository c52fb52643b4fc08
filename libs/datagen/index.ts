export * from './prng';
export * from './transactions.generator';
export * from './sales.generator';
export * from './store-monitoring.generator';
