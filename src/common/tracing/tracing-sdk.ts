import { context, trace, type Span } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_HTTP_ROUTE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { IncomingMessage, ServerResponse } from 'http';
import { instrumentBull, type BullQueueClass } from './bull-tracing';
import { instrumentCopyStreams, type CopyStreamsModule } from './copy-tracing';

/** What the app needs of a started SDK. */
export interface Tracing {
  /** One line for the boot log: where spans go and under which service name. */
  description: string;
  /** pino `mixin`: the active span's ids on every log line written while it is active. */
  logFields: () => Record<string, string>;
  /** Exports the spans still buffered, then stops (at most SHUTDOWN_FLUSH_MS). */
  shutdown: () => Promise<void>;
}

/** The attribute carrying the request id (X-Request-Id) on HTTP server spans. */
export const ATTR_REQUEST_ID = 'http.request.id';

/** A collector that does not answer must not hold up a shutdown longer than this. */
const SHUTDOWN_FLUSH_MS = 5000;

/** Probes and scrapes: a span each every few seconds would bury the traces worth reading. */
const UNTRACED_PATHS = /^\/(health\/|metrics(\/|\?|$))/;

/**
 * Starts the OpenTelemetry SDK: traces only (metrics are served at /metrics, logs are JSON lines
 * on stdout that carry trace_id and span_id). The standard OTEL_* variables configure the exporter
 * (endpoint, protocol, headers, timeout), sampler, batch processor, propagators and resource.
 */
export function startTracing(env: NodeJS.ProcessEnv): Tracing {
  const serviceName = `analytics-platform-${env.APP_ROLE?.trim() || 'all'}`;
  const sdk = new NodeSDK({
    // The default name; OTEL_SERVICE_NAME or service.name in OTEL_RESOURCE_ATTRIBUTES win over it.
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName })),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? ''),
        // Outgoing calls (webhook deliveries) are traced inside a request or a job, never alone.
        requireParentforOutgoingSpans: true,
        redactedQueryParamsServer: ['sig', 'signature', 'Signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token', 'X-Goog-Signature', 'AWSAccessKeyId'],
        // At the end of a request (outgoing ones too, whose response is an IncomingMessage).
        applyCustomAttributesOnSpan: (span, req, res) => {
          if (isServerResponse(res)) {
            nameByRoute(span, req as RoutedRequest, res);
          }
        },
      }),
      // The query text with its $1 placeholders, never the values (enhancedDatabaseReporting off).
      // Only inside a request or a job: the scheduler's and pool's own queries would be root traces.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      // Bull polls Redis all the time (BRPOPLPUSH, lock renewals, delayed-job checks) outside any
      // span: with requireParentSpan none of that is traced; commands made while serving a request
      // or running a job (rate limits, cache, queueing, progress) are. The command name only: keys
      // and arguments can carry cache keys and job payloads.
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  sdk.start();
  // After start: bull requires ioredis, which must be patched as it loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  instrumentBull(require('bull') as BullQueueClass, trace.getTracer('analytics-platform.bull'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  instrumentCopyStreams(require('pg-copy-streams') as CopyStreamsModule, trace.getTracer('analytics-platform.pg-copy'));
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return {
    description: `Tracing on: spans to ${endpoint} as ${env.OTEL_SERVICE_NAME?.trim() || serviceName}`,
    logFields,
    shutdown: () => withinMs(sdk.shutdown(), SHUTDOWN_FLUSH_MS),
  };
}

/**
 * Field names as the OpenTelemetry pino instrumentation writes them. A new object every time:
 * pino merges the line's own fields into it.
 */
function logFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) {
    return {};
  }
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: traceFlags.toString(16).padStart(2, '0') };
}

/** What Express adds to a request it routed: the matched route, under the mount path of its router. */
type RoutedRequest = IncomingMessage & { baseUrl?: string; route?: { path?: unknown } };

/**
 * The server span named by route pattern (`GET /api/v1/imports/:id`, http.route) and given the
 * request id: the caller's X-Request-Id or the one the app made up, both in the response header.
 * Read from Express's req.route rather than through instrumentation-express, which wraps every
 * middleware of every request for this one name (~1.5 % of a cached answer's CPU by profile).
 */
function nameByRoute(span: Span, req: RoutedRequest, res: ServerResponse): void {
  const id = res.getHeader('x-request-id');
  if (typeof id === 'string') {
    span.setAttribute(ATTR_REQUEST_ID, id);
  }
  const path = req.route?.path;
  if (typeof path === 'string') {
    const route = `${req.baseUrl ?? ''}${path}`;
    span.setAttribute(ATTR_HTTP_ROUTE, route);
    span.updateName(`${req.method ?? 'GET'} ${route}`);
  }
}

function isServerResponse(res: IncomingMessage | ServerResponse): res is ServerResponse {
  return typeof (res as ServerResponse).getHeader === 'function';
}

function withinMs(work: Promise<void>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    work
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        resolve();
      });
  });
}
