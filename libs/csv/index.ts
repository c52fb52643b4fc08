export { CsvParser } from './csv-parser';
export type { CsvParserOptions, RecordHandler } from './csv-parser';
export { copyTextChunks, CopyTextWriter, decodeCopyRow, encodeCopyRow, escapeCopyValue } from './copy-encoder';
export * from './bloom-filter';
export * from './copy-binary';
export * from './record-splitter';
