export * from './prng';
export * from './transactions.generator';
