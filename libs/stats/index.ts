export * from './exact-moments';
export * from './time-range';
