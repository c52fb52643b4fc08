export * from './kind.types';
export * from './partitions';
export * from './map-iter';
export * from './header-mapping';
