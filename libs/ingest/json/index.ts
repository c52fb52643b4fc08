export * from './json-splitter';
export * from './json-piece-parser';
export * from './plain-decimal';
