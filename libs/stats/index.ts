export * from './exact-moments';
export * from './time-range';
export * from './zone-clock';
export * from './store-uptime';
export * from './marketing-metrics';
export * from './zscore-anomalies';
export * from './delivery-metrics';
export * from './engagement-metrics';
