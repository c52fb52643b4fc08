export * from './formula';
export * from './table-writer';
export * from './tabulate';
export * from './csv-text';
