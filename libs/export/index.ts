export * from './formula';
export * from './table-writer';
export * from './tabulate';
