import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import type { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Lifecycle } from './lifecycle';

// Bull's own Lua-script argument builder: retryJob moves an active job back to waiting, checking
// and removing this worker's lock, without counting an attempt (what a stalled-job check does, at once).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bullScripts = require('bull/lib/scripts') as { retryJobArgs(job: Job, ignoreLock: boolean): string[] };

interface Running {
  queue: Queue;
  job: Job;
  isHandedBack: boolean;
  /** Settles when the handler's work has ended, its clean-up included. */
  settled: Promise<void>;
}

/** How long a job whose connections were ended may take to unwind (clean up its files) before it is handed back anyway. */
const UNWIND_MS = 5000;

type Handler<T> = (job: Job<T>) => Promise<unknown>;

/**
 * Graceful stop of a worker process. Every queue handler is registered through `wrap`, so the
 * process knows its running jobs. On shutdown it stops taking new jobs, lets the running ones
 * finish until the deadline, then hands each one still running back to the queue: it ends the
 * job's own database connections first (their advisory locks and open transactions go with them,
 * so the next worker neither waits nor skips), lets the run unwind, then moves the job from active
 * to waiting under its lock. Another worker takes it at once, instead of after the lock lapses and a stalled-job
 * check notices (QUEUE_LOCK_DURATION_MS + QUEUE_STALLED_INTERVAL_MS). The handler of a job handed
 * back never settles (its queue is closed without waiting for it): Bull's failure path would
 * otherwise count an attempt against a job that did not fail.
 */
@Injectable()
export class WorkerDrain implements OnModuleInit {
  private readonly logger = new Logger('Shutdown');
  private readonly queues = new Set<Queue>();
  private readonly running = new Set<Running>();
  private readonly connections = new Set<Client>();
  private handedBack: Promise<void> | null = null;

  constructor(
    private readonly lifecycle: Lifecycle,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.lifecycle.onDrain('workers', (deadline) => this.drain(deadline));
  }

  /** True once running jobs are being handed back: a run failing now must not record a final failure. */
  get isHandingBack(): boolean {
    return this.handedBack !== null;
  }

  /** The handler to give `queue.process`: it tracks the job while it runs. */
  wrap<T>(queue: Queue, handler: Handler<T>): Handler<T> {
    this.queues.add(queue);
    return async (job: Job<T>) => {
      const work = Promise.resolve().then(() => handler(job));
      const entry: Running = {
        queue,
        job: job as Job,
        isHandedBack: false,
        settled: work.then(
          () => undefined,
          () => undefined,
        ),
      };
      this.running.add(entry);
      let outcome: { value?: unknown; error?: unknown; isFailed: boolean };
      try {
        outcome = { value: await work, isFailed: false };
      } catch (error) {
        outcome = { error, isFailed: true };
      }
      this.running.delete(entry);
      if (this.handedBack) await this.handedBack;
      if (entry.isHandedBack) return new Promise<never>(() => undefined);
      if (outcome.isFailed) throw outcome.error;
      return outcome.value;
    };
  }

  /** A job's own connection (long transaction, advisory lock): ended at once if its job is handed back. */
  track(client: Client): void {
    this.connections.add(client);
    client.once('end', () => this.connections.delete(client));
  }

  private async drain(deadline: number): Promise<void> {
    if (this.queues.size === 0) return;
    // Local pause: this process takes no new job; the others go on.
    await Promise.all([...this.queues].map((q) => q.pause(true, true).catch(() => undefined)));
    while (this.running.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (this.running.size === 0) {
      this.logger.log('Workers stopped: no job was running');
      return;
    }
    let done: () => void = () => undefined;
    this.handedBack = new Promise<void>((resolve) => (done = resolve));
    const toHandBack = [...this.running];
    for (const entry of toHandBack) entry.isHandedBack = true;
    try {
      await this.endJobConnections();
      // The run unwinds first (its scratch and rejects files are per import): the next worker
      // must not start while this one still removes or writes them.
      await Promise.race([Promise.all(toHandBack.map((e) => e.settled)), new Promise((resolve) => setTimeout(resolve, UNWIND_MS))]);
      for (const { queue, job } of toHandBack) {
        await this.handBack(queue, job);
      }
    } finally {
      done();
    }
    // Without waiting for the handlers of the jobs handed back (they never settle, see wrap).
    await Promise.all([...this.queues].map((q) => q.close(true).catch(() => undefined)));
  }

  private async endJobConnections(): Promise<void> {
    const pids = [...this.connections].map((c) => (c as unknown as { processID?: number }).processID).filter((p): p is number => typeof p === 'number');
    if (pids.length === 0) return;
    // Waits (up to 5 s) until each backend is gone, so its locks are released before the job moves.
    await this.dataSource.query('SELECT pg_terminate_backend(pid, 5000) FROM unnest($1::int[]) AS pid', [pids]);
  }

  private async handBack(queue: Queue, job: Job): Promise<void> {
    const client = queue.client as unknown as { retryJob(args: string[]): Promise<number> };
    const code = await client.retryJob(bullScripts.retryJobArgs(job, false)).catch((err: unknown) => {
      this.logger.error({ err }, `job ${job.id} of queue ${queue.name} could not be handed back; the stalled-job check will`);
      return null;
    });
    if (code === 0) {
      this.logger.warn(`Job ${job.id} of queue ${queue.name} was still running at the end of SHUTDOWN_GRACE_MS: handed back to the queue for another worker`);
    } else if (code !== null) {
      this.logger.warn(`Job ${job.id} of queue ${queue.name} could not be handed back (code ${code}); the stalled-job check will`);
    }
  }
}
