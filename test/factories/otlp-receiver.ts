import { startWebhookReceiver, WebhookReceiver } from './receivers';

/** One span as an OTLP/HTTP JSON export carries it, flattened with its resource's service name. */
export interface ReceivedSpan {
  service: string;
  scope: string;
  name: string;
  /** OTLP numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
}

export const SpanKinds = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

/**
 * A real OTLP/HTTP collector stand-in: POST /v1/traces with JSON bodies (the app sends JSON when
 * OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json; its default is protobuf).
 */
export interface OtlpReceiver {
  /** The value for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  endpoint: string;
  spans(): ReceivedSpan[];
  /** Resolves with the spans once `found` returns something truthy for them; fails after timeoutMs. */
  waitFor<T>(found: (spans: ReceivedSpan[]) => T | undefined | false, what: string, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      scope?: { name?: string };
      spans?: Array<{ name: string; kind: number; traceId: string; spanId: string; parentSpanId?: string; attributes?: OtlpAttribute[]; status?: ReceivedSpan['status'] }>;
    }>;
  }>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const receiver: WebhookReceiver = await startWebhookReceiver();
  const spans = () => receiver.received('/v1/traces').flatMap((r) => flatten(JSON.parse(r.body.toString('utf8')) as OtlpExport));
  return {
    endpoint: receiver.url(''),
    spans,
    async waitFor(found, what, timeoutMs = 20000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = spans();
        const result = found(all);
        if (result) {
          return result;
        }
        if (Date.now() > deadline) {
          throw new Error(`No ${what} among ${all.length} spans received: ${all.map((s) => `${s.service} ${s.name}`).join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => receiver.close(),
  };
}

function flatten(body: OtlpExport): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((rs) => {
    const service = String(attributesOf(rs.resource?.attributes)['service.name']);
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        service,
        scope: ss.scope?.name ?? '',
        name: s.name,
        kind: s.kind,
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? '',
        attributes: attributesOf(s.attributes),
        status: s.status ?? {},
      })),
    );
  });
}

function attributesOf(list: OtlpAttribute[] | undefined): ReceivedSpan['attributes'] {
  const out: ReceivedSpan['attributes'] = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.boolValue ?? value.doubleValue ?? '';
  }
  return out;
}
