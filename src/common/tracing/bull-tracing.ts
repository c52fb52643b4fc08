import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { Job, JobOptions, Queue } from 'bull';

/**
 * Where a job keeps the trace context of the code that queued it: a W3C `traceparent` (and
 * `tracestate`/`baggage` when set), in the job's options, which Bull stores with the job and
 * hands back on every attempt in whichever process runs it.
 */
export const TRACE_CONTEXT_OPTION = 'traceContext';

type Carrier = Record<string, string>;
type TracedOptions = JobOptions & { [TRACE_CONTEXT_OPTION]?: Carrier };
type AnyAdd = (this: Queue, ...args: unknown[]) => Promise<Job>;
type SetHandler = (this: Queue, name: string, handler: unknown) => void;
type JobHandler = (this: Queue, job: Job) => unknown;

const PATCHED = Symbol.for('analytics-platform.bull-tracing');

/** The module `bull` exports: the Queue class. */
export interface BullQueueClass {
  prototype: Queue;
}

/** The two methods patched, untyped (setHandler is not in Bull's types). */
interface PatchableQueue {
  add: unknown;
  setHandler: unknown;
  [PATCHED]?: true;
}

/**
 * Bull 4 has no OpenTelemetry instrumentation; this is one, for every queue of the app at once.
 * - `queue.add` inside a span (a request, a job) opens a `<queue> publish` PRODUCER span and
 *   stores its context with the job. Repeatable jobs and adds outside any span store nothing
 *   (a schedule made at boot is no one's child).
 * - Every promise-returning handler (`queue.process`) runs inside a `<queue> process` CONSUMER
 *   span whose parent is that stored context (a root span when there is none), with the job id,
 *   name and attempt; a failure is recorded on it before Bull sees it.
 */
export function instrumentBull(Queue: BullQueueClass, tracer: Tracer): void {
  const proto = Queue.prototype as unknown as PatchableQueue;
  if (proto[PATCHED]) {
    return;
  }
  proto[PATCHED] = true;
  const add = proto.add as AnyAdd;
  const setHandler = proto.setHandler as SetHandler;
  proto.add = function tracedAdd(this: Queue, ...args: unknown[]): Promise<Job> {
    return publish(tracer, this, args, (finalArgs) => add.apply(this, finalArgs));
  };
  proto.setHandler = function tracedSetHandler(this: Queue, name: string, handler: unknown): void {
    // Callback-style (job, done) and sandboxed (file path) handlers are left as they are: the app has none.
    if (typeof handler !== 'function' || handler.length > 1) {
      return setHandler.call(this, name, handler);
    }
    const queueName = this.name;
    const run = handler as JobHandler;
    return setHandler.call(this, name, function tracedHandler(this: Queue, job: Job) {
      return consume(tracer, queueName, job, () => run.call(this, job));
    });
  };
}

function publish(tracer: Tracer, queue: Queue, args: unknown[], add: (args: unknown[]) => Promise<Job>): Promise<Job> {
  const parent = context.active();
  // add(name, data, opts) or add(data, opts)
  const optsAt = typeof args[0] === 'string' ? 2 : 1;
  const opts = (args[optsAt] ?? {}) as TracedOptions;
  if (!trace.getSpan(parent) || opts.repeat) {
    return add(args);
  }
  const span = tracer.startSpan(
    `${queue.name} publish`,
    { kind: SpanKind.PRODUCER, attributes: { ...messaging(queue.name, 'send', 'publish'), 'messaging.bull.job.name': optsAt === 2 ? (args[0] as string) : '__default__' } },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  const carrier: Carrier = {};
  propagation.inject(ctx, carrier);
  const traced = [...args];
  traced[optsAt] = { ...opts, [TRACE_CONTEXT_OPTION]: carrier };
  return context
    .with(ctx, () => add(traced))
    .then(
      (job) => {
        span.setAttribute('messaging.message.id', String(job.id));
        span.end();
        return job;
      },
      (err: unknown) => {
        fail(span, err);
        throw err;
      },
    );
}

async function consume(tracer: Tracer, queueName: string, job: Job, run: () => unknown): Promise<unknown> {
  const parent = parentOf(job);
  const span = tracer.startSpan(
    `${queueName} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messaging(queueName, 'process', 'process'),
        'messaging.message.id': String(job.id),
        'messaging.bull.job.name': job.name,
        // 1 on the first run; Bull counts the failed ones in attemptsMade.
        'messaging.bull.job.attempt': job.attemptsMade + 1,
      },
    },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), run);
    span.end();
    return result;
  } catch (err) {
    fail(span, err);
    throw err;
  }
}

function parentOf(job: Job): Context {
  const carrier = (job.opts as TracedOptions)[TRACE_CONTEXT_OPTION];
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

function messaging(queueName: string, type: string, name: string): Attributes {
  return { 'messaging.system': 'bull', 'messaging.destination.name': queueName, 'messaging.operation.type': type, 'messaging.operation.name': name };
}

function fail(span: Span, err: unknown): void {
  if (err instanceof Error) {
    span.recordException(err);
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  span.end();
}
