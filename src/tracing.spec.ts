import { isTracingRequested } from './tracing';

describe('isTracingRequested', () => {
  it('should be on when an OTLP endpoint for traces is set, and off when it is blank or missing', () => {
    expect(isTracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(isTracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(isTracingRequested({})).toBe(false);
    expect(isTracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ', OTEL_SERVICE_NAME: 'x' })).toBe(false);
  });

  it('should be off when OTEL_SDK_DISABLED=true, whatever the endpoint', () => {
    expect(isTracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(isTracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' })).toBe(true);
  });
});
