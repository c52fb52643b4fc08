import type * as TracingSdk from './common/tracing/tracing-sdk';

/**
 * OpenTelemetry tracing, on when an OTLP endpoint is set. main.ts loads this file before anything
 * else: the SDK patches http, express, pg, ioredis and bull as they are first required, so it has
 * to start before any of them is. When no endpoint is set nothing of OpenTelemetry is loaded, and
 * the request path pays nothing (no span, no log mixin).
 *
 * Reads process.env itself, before config/ validates it: the OTEL_* variables belong to the SDK,
 * which reads them directly (see the README, "Tracing").
 */
export function isTracingRequested(env: NodeJS.ProcessEnv): boolean {
  const hasEndpoint = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
  // The SDK's own off switch: then not even loaded.
  return hasEndpoint && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
}

export const tracing: TracingSdk.Tracing | undefined = isTracingRequested(process.env)
  ? // A require rather than an import: nothing of the SDK is loaded when tracing is off.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./common/tracing/tracing-sdk') as typeof TracingSdk).startTracing(process.env)
  : undefined;
