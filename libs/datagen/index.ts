export * from './prng';
export * from './transactions.generator';
export * from './transactions.shapes';
export { TIMESTAMP_FORMATS } from './transactions.timestamps';
export type { TimestampFormat } from './transactions.timestamps';
export {
  GENERATED_CATEGORY_PREFIX,
  GENERATED_ZONE_PREFIX,
  MAX_ZONE_VARIANTS,
  categorySpellingTable,
  zoneSpelling,
} from './transactions.dimensions';
export { MAX_DIMENSION_VALUES } from './cardinality';
export * from './sales.generator';
export {
  GENERATED_SALES_CATEGORY_PREFIX,
  GENERATED_SALES_REGION_PREFIX,
  SALES_PRODUCT_STEMS,
  SALES_SHAPES,
  salesShapeOptions,
} from './sales.dimensions';
export type { SalesShape, SalesShapeOptions } from './sales.dimensions';
export * from './store-monitoring.generator';
export * from './marketing.generator';
export * from './messaging.generator';
