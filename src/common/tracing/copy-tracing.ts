import { context, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Stream } from 'stream';

/** The module `pg-copy-streams` exports: factories of COPY streams handed to `client.query`. */
export interface CopyStreamsModule {
  from: (text: string, options?: unknown) => Stream;
  to: (text: string, options?: unknown) => Stream;
}

const PATCHED = Symbol.for('analytics-platform.copy-tracing');

/**
 * A `pg.copy` span per COPY stream, from its creation to its end. instrumentation-pg opens a span
 * for a COPY too but never ends it (a COPY is a stream, not a promise or a callback), so the bulk
 * load of an import and the rows of an export would otherwise be missing from their traces.
 */
export function instrumentCopyStreams(copyStreams: CopyStreamsModule, tracer: Tracer): void {
  const patched = copyStreams as CopyStreamsModule & { [PATCHED]?: true };
  if (patched[PATCHED]) {
    return;
  }
  patched[PATCHED] = true;
  for (const direction of ['from', 'to'] as const) {
    const make = copyStreams[direction];
    copyStreams[direction] = (text: string, options?: unknown) => traced(tracer, make(text, options), text);
  }
}

function traced(tracer: Tracer, stream: Stream, text: string): Stream {
  const span = tracer.startSpan(
    'pg.copy',
    { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'COPY', 'db.query.text': text } },
    context.active(),
  );
  let isEnded = false;
  const end = (err?: unknown) => {
    if (isEnded) {
      return;
    }
    isEnded = true;
    if (err instanceof Error) {
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    }
    const rows = (stream as { rowCount?: number }).rowCount;
    if (typeof rows === 'number') {
      span.setAttribute('db.postgresql.copy.rows', rows);
    }
    span.end();
  };
  // 'finish' (COPY FROM, once the rows are visible), 'end' (COPY TO) or 'close' (also after an
  // error: Node destroys a stream that fails). No 'error' listener: one would keep an error no
  // one else listens to from being thrown, which is not this code's call to make.
  stream
    .once('finish', () => end())
    .once('end', () => end())
    .once('close', () => end((stream as { errored?: unknown }).errored));
  return stream;
}
