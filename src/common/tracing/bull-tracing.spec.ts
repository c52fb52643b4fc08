import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { core } from '@opentelemetry/sdk-node';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorage } from 'async_hooks';
import type { Job } from 'bull';
import { instrumentBull, TRACE_CONTEXT_OPTION, type BullQueueClass } from './bull-tracing';

/** The context manager the SDK installs, reduced to what these tests use. */
class StoreContextManager implements ContextManager {
  private readonly store = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.store.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.store.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.store.disable();
    return this;
  }
}

type Added = { name: string; data: unknown; opts: Record<string, unknown> | undefined };

/** Bull's Queue as far as add and setHandler go: jobs kept in memory, handlers called by `run`. */
class FakeQueue {
  name = 'things';
  added: Added[] = [];
  handlers: Record<string, (job: Job) => Promise<unknown>> = {};

  add(name: unknown, data?: unknown, opts?: Record<string, unknown>): Promise<Job> {
    if (typeof name !== 'string') {
      return this.add('__default__', name, data as Record<string, unknown>);
    }
    this.added.push({ name, data, opts });
    return Promise.resolve({ id: String(this.added.length), name, data, opts: opts ?? {}, attemptsMade: 0 } as unknown as Job);
  }

  setHandler(name: string, handler: (job: Job) => unknown): void {
    const bound = handler.bind(this);
    this.handlers[name] = bound.length > 1 ? () => Promise.reject(new Error('callback style')) : (job) => Promise.resolve(bound(job));
  }

  run(name: string, job: Partial<Job>): Promise<unknown> {
    return this.handlers[name]({ id: '7', name, data: {}, opts: {}, attemptsMade: 0, ...job } as Job);
  }
}

describe('instrumentBull', () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test');
  const queue = () => new FakeQueue() as FakeQueue & { add(...args: unknown[]): Promise<Job> };

  beforeAll(() => {
    context.setGlobalContextManager(new StoreContextManager());
    propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
    instrumentBull(FakeQueue as unknown as BullQueueClass, tracer);
    // Twice is once.
    instrumentBull(FakeQueue as unknown as BullQueueClass, tracer);
  });

  afterAll(() => {
    context.disable();
    propagation.disable();
  });

  beforeEach(() => exporter.reset());

  it('should store the traceparent of a publish span with a job queued inside a span, and run the job in a consumer span under it', async () => {
    const q = queue();
    let seenInHandler: string | undefined;
    q.setHandler('thing.do', () => {
      seenInHandler = trace.getSpan(context.active())?.spanContext().spanId;
      return 'done';
    });
    const request = tracer.startSpan('GET /things');
    await context.with(trace.setSpan(ROOT_CONTEXT, request), () => q.add('thing.do', { id: 1 }, { attempts: 3, jobId: 'a' }));
    request.end();

    const [{ opts }] = q.added;
    expect(opts).toMatchObject({ attempts: 3, jobId: 'a' });
    const carrier = opts![TRACE_CONTEXT_OPTION] as Record<string, string>;
    expect(carrier.traceparent).toMatch(new RegExp(`^00-${request.spanContext().traceId}-[0-9a-f]{16}-01$`));

    await expect(q.run('thing.do', { id: 'a', opts, attemptsMade: 1 })).resolves.toBe('done');
    const publish = exporter.getFinishedSpans().find((s) => s.name === 'things publish')!;
    const consumer = exporter.getFinishedSpans().find((s) => s.name === 'things process')!;
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(publish.attributes).toMatchObject({ 'messaging.destination.name': 'things', 'messaging.message.id': '1', 'messaging.bull.job.name': 'thing.do' });
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
    expect(consumer.attributes).toMatchObject({
      'messaging.destination.name': 'things',
      'messaging.message.id': 'a',
      'messaging.bull.job.name': 'thing.do',
      'messaging.bull.job.attempt': 2,
    });
    expect(seenInHandler).toBe(consumer.spanContext().spanId);
  });

  it('should store nothing when a job is queued outside any span or is repeatable, and run it in a root consumer span', async () => {
    const q = queue();
    q.setHandler('*', () => undefined);
    await q.add({ id: 1 }, { removeOnComplete: true });
    const request = tracer.startSpan('tick');
    await context.with(trace.setSpan(ROOT_CONTEXT, request), () => q.add('sweep', {}, { repeat: { every: 1000 } }));
    request.end();
    expect(q.added.map((a) => a.opts)).toEqual([{ removeOnComplete: true }, { repeat: { every: 1000 } }]);

    await q.run('*', {});
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['tick', 'things process']);
    expect(exporter.getFinishedSpans()[1].parentSpanContext).toBeUndefined();
  });

  it('should record the error of a failing job on its consumer span and rethrow it to Bull', async () => {
    const q = queue();
    q.setHandler('thing.do', () => Promise.reject(new Error('disk full')));
    await expect(q.run('thing.do', {})).rejects.toThrow('disk full');
    const [consumer] = exporter.getFinishedSpans();
    expect(consumer.status).toEqual({ code: SpanStatusCode.ERROR, message: 'disk full' });
    expect(consumer.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('should leave callback-style handlers as they are', async () => {
    const q = queue();
    q.setHandler('thing.do', ((_job: Job, done: () => void) => done()) as never);
    await expect(q.run('thing.do', {})).rejects.toThrow('callback style');
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
