import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { Gauge, Histogram } from 'prom-client';
import { Metrics } from './metrics.service';
import { RegisteredQueues } from './registered-queues';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'paused'] as const;
/** A scrape does not wait longer than this for Redis: the depth is then left out, not stale. */
const COUNT_TIMEOUT_MS = 2000;
/** From a sweep that finds nothing to an hour-long import or export. */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600];

/**
 * Queue depth per queue and state, read from Redis at scrape time (cluster-wide: any process may
 * serve it), and the durations of the jobs this process ran, per queue and outcome (from Bull's
 * local events, which fire in the process that ran the job).
 */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  private readonly logger = new Logger(QueueMetrics.name);
  private lastWarnMs = 0;

  constructor(
    private readonly metrics: Metrics,
    private readonly queues: RegisteredQueues,
  ) {}

  onModuleInit(): void {
    const queues = this.queues.list();
    const depth: Gauge<'queue' | 'state'> = new Gauge({
      name: 'analytics_queue_jobs',
      help: 'Jobs in each Bull queue by state (waiting, active, delayed, failed, paused), read from Redis when scraped',
      labelNames: ['queue', 'state'],
      registers: [this.metrics.registry],
      collect: async () => {
        depth.reset();
        await Promise.all(
          queues.map(async (queue) => {
            const counts = await this.countsOf(queue);
            for (const state of STATES) {
              if (counts) depth.set({ queue: queue.name, state }, counts[state] ?? 0);
            }
          }),
        );
      },
    });
    const durations = new Histogram({
      name: 'analytics_queue_job_duration_seconds',
      help: 'Time the jobs this process ran took, from start to end, by queue and outcome (failed: each failed attempt)',
      labelNames: ['queue', 'outcome'],
      buckets: JOB_BUCKETS,
      registers: [this.metrics.registry],
    });
    // The events fire as the job ends; a failed attempt that Bull will retry gets no finishedOn.
    const observe = (queue: string, outcome: string, job: Job) => {
      const endMs = job.finishedOn ?? Date.now();
      if (job.processedOn && endMs >= job.processedOn) {
        durations.observe({ queue, outcome }, (endMs - job.processedOn) / 1000);
      }
    };
    for (const queue of queues) {
      queue.on('completed', (job: Job) => observe(queue.name, 'completed', job));
      queue.on('failed', (job: Job) => observe(queue.name, 'failed', job));
    }
  }

  private async countsOf(queue: Queue): Promise<Record<string, number> | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${COUNT_TIMEOUT_MS} ms`)), COUNT_TIMEOUT_MS);
    });
    try {
      return (await Promise.race([queue.getJobCounts(), timeout])) as unknown as Record<string, number>;
    } catch (err) {
      if (Date.now() - this.lastWarnMs > 60_000) {
        this.lastWarnMs = Date.now();
        this.logger.warn({ err }, `Queue depth of ${queue.name} could not be read for /metrics`);
      }
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
