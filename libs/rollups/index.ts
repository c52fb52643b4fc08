export * from './rollup.types';
export * from './canonical';
export * from './cell-table';
export * from './key-count-map';
export * from './transactions.rollup';
export * from './grid';
export * from './sales.rollup';
