import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { CounterSeries, FastCounter } from './fast-series';
import { HttpMetrics } from './http-metrics';

export type ImportOutcome = 'completed' | 'failed' | 'cancelled';
export type CacheResult = 'memory' | 'redis' | 'miss';

/** An import from its claim by a worker to its end: seconds to minutes, an hour for the largest files. */
const IMPORT_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * This process's metrics in one prom-client registry (one per app, so apps in one test process
 * keep their own counts): the domain counters below, the HTTP durations, the gauges read at
 * scrape time (queues, pools: QueueMetrics, PoolMetrics) and prom-client's process metrics
 * (event-loop lag, memory, CPU, GC). Counters live in the process where the thing happened: an
 * import is counted by the worker that ran it.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly http = new HttpMetrics();

  private readonly imports = new Counter({
    name: 'analytics_imports_total',
    help: 'Imports that ended, by kind and outcome (completed, failed, cancelled)',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });

  private readonly rowsLoaded = new Counter({
    name: 'analytics_import_rows_loaded_total',
    help: 'Rows published by completed imports, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly rowsRejected = new Counter({
    name: 'analytics_import_rows_rejected_total',
    help: 'Rows refused by the cleaners of imports that ran to an end, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  private readonly importDuration = new Histogram({
    name: 'analytics_import_duration_seconds',
    help: 'Time an import ran in a worker, from its claim to its end, by kind and outcome',
    labelNames: ['kind', 'outcome'],
    buckets: IMPORT_BUCKETS,
    registers: [this.registry],
  });

  private readonly reports = new Counter({
    name: 'analytics_reports_total',
    help: 'Report files that ended (ad hoc, scheduled, store-monitoring), by source and outcome (completed, failed)',
    labelNames: ['source', 'outcome'],
    registers: [this.registry],
  });

  private readonly scheduleRuns = new Counter({
    name: 'analytics_schedule_runs_total',
    help: 'Runs of report schedules that ended, by outcome (success, failed, skipped)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  private readonly deliveries = new Counter({
    name: 'analytics_report_deliveries_total',
    help: 'Tries of report deliveries, by type (webhook, email) and outcome (success; retrying: failed, tried again; failed: given up)',
    labelNames: ['type', 'outcome'],
    registers: [this.registry],
  });

  private readonly cache = new FastCounter(
    'analytics_cache_requests_total',
    'Analytics answers asked of the cache, by kind and result (memory, redis: a hit there; miss: computed)',
    ['kind', 'result'],
  );
  /** Each kind's three series, in CacheResult order: counting a lookup is one map read. */
  private readonly cacheByKind = new Map<string, CounterSeries[]>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(this.http.histogram as never);
    this.registry.registerMetric(this.cache as never);
  }

  /** An import reached an end; `run` when a worker ran it (a cancellation before it started has none). */
  importEnded(kind: string, outcome: ImportOutcome, run?: { durationMs: number; rowsLoaded: number; rowsRejected: number }): void {
    this.imports.inc({ kind, outcome });
    if (!run) return;
    this.importDuration.observe({ kind, outcome }, run.durationMs / 1000);
    if (outcome === 'completed') this.rowsLoaded.inc({ kind }, run.rowsLoaded);
    this.rowsRejected.inc({ kind }, run.rowsRejected);
  }

  reportEnded(source: string, outcome: 'completed' | 'failed'): void {
    this.reports.inc({ source, outcome });
  }

  scheduleRunEnded(outcome: 'success' | 'failed' | 'skipped'): void {
    this.scheduleRuns.inc({ outcome });
  }

  deliveryTried(type: string, outcome: 'success' | 'retrying' | 'failed'): void {
    this.deliveries.inc({ type, outcome });
  }

  cacheLookup(kind: string, result: CacheResult): void {
    let series = this.cacheByKind.get(kind);
    if (!series) {
      series = [this.cache.series(kind, 'memory'), this.cache.series(kind, 'redis'), this.cache.series(kind, 'miss')];
      this.cacheByKind.set(kind, series);
    }
    series[result === 'memory' ? 0 : result === 'redis' ? 1 : 2].value++;
  }

  /** The Prometheus text exposition of every metric (gauges read now). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
