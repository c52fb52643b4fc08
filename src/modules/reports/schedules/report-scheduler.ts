import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@config/app-config';
import { Metrics } from '@common/metrics/metrics.service';
import { countTicks, nextTick, parseCron, previousTick } from '@libs/cron';
import { ReportsProducer } from '../jobs/reports.producer';
import { runEndOutcome } from './schedule-runner';
import { DueSchedule, SchedulesRepository } from './schedules.repository';

/** Schedules claimed per pass (a pass repeats at once while it finds this many). */
const CLAIM_BATCH = 100;
/** Missed ticks counted for the run log, at most. */
const MISSED_CAP = 100_000;

/**
 * Fires schedules, in every worker process. Each pass claims the due schedules in one
 * transaction (rows locked, SKIP LOCKED): for each, one run for its latest due tick, inserted
 * under the unique (schedule, tick) index, and next_run_at moved past now. However many
 * processes poll, a tick makes one run; ticks missed while no worker ran make one catch-up run
 * (for the latest of them), not a burst. The run itself is a Bull job (another worker takes it
 * over if its worker dies). Every SWEEP_EVERY passes it also queues again what lost its job.
 */
@Injectable()
export class ReportScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReportScheduler.name);
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private pass: Promise<void> = Promise.resolve();
  private lastSweepMs = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly repo: SchedulesRepository,
    private readonly producer: ReportsProducer,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.arm(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.tick().catch((err: unknown) => this.logger.error({ err }, 'Scheduler pass failed; the next one retries'));
      void this.pass.finally(() => this.arm(this.config.SCHEDULER_POLL_MS));
    }, delayMs);
    this.timer.unref();
  }

  /** One pass: fire what is due, and now and then queue again what lost its job. */
  async tick(): Promise<void> {
    for (;;) {
      const runIds: string[] = [];
      const claimed = await this.repo.claimDue(CLAIM_BATCH, async (m, s, now) => {
        let runId: string | null;
        try {
          runId = await this.fire(m, s, now);
        } catch (err) {
          // One schedule that cannot be evaluated (a zone this ICU no longer knows) must not hold
          // back every other: it is paused, loudly. Only cron errors land here (SQL errors abort the pass).
          this.logger.error({ err, scheduleId: s.id }, `Schedule ${s.id} could not be evaluated; it is paused`);
          await this.repo.setNextRun(m, s.id, null);
          return;
        }
        if (runId) runIds.push(runId);
      });
      for (const id of runIds) {
        // A queue outage leaves the run PENDING: the sweep queues it again.
        await this.producer.enqueueRun(id).catch((err: unknown) => this.logger.error({ err, runId: id }, 'Queueing a run failed; the sweep will retry'));
      }
      if (claimed < CLAIM_BATCH || this.stopped) break;
    }
    if (Date.now() - this.lastSweepMs >= Math.min(60_000, this.config.STALE_REPORT_MS)) {
      this.lastSweepMs = Date.now();
      await this.sweep();
    }
  }

  /** The run for a due schedule's latest due tick, and its next tick after now. */
  private async fire(m: Parameters<Parameters<SchedulesRepository['claimDue']>[1]>[0], s: DueSchedule, now: Date): Promise<string | null> {
    let spec;
    try {
      spec = parseCron(s.cron);
    } catch (err) {
      // Checked at creation; a cron this version cannot read any more pauses its schedule, loudly.
      this.logger.error({ err, scheduleId: s.id }, `Schedule ${s.id}: cron "${s.cron}" cannot be read; it is paused`);
      await this.repo.setNextRun(m, s.id, null);
      return null;
    }
    const latest = previousTick(spec, s.timezone, now) ?? s.next_run_at;
    const scheduledFor = latest < s.next_run_at ? s.next_run_at : latest;
    const ticks = countTicks(spec, s.timezone, s.next_run_at, scheduledFor, MISSED_CAP);
    const missed = Math.max(0, ticks - 1);
    const runId = await this.repo.insertTickRun(m, { scheduleId: s.id, orgId: s.org_id, scheduledFor, trigger: missed > 0 ? 'catch-up' : 'tick', missedTicks: missed });
    await this.repo.setNextRun(m, s.id, nextTick(spec, s.timezone, now > scheduledFor ? now : scheduledFor));
    if (runId && missed > 0)
      this.logger.warn(`Schedule ${s.id}: ${missed} tick(s) since ${s.next_run_at.toISOString()} were missed; one catch-up run for ${scheduledFor.toISOString()}`);
    return runId;
  }

  /** Queues again the reports, runs and deliveries whose job was lost (jobIds make this idempotent). */
  async sweep(): Promise<void> {
    const staleMs = this.config.STALE_REPORT_MS;
    let requeued = 0;
    for (const id of await this.repo.staleReports(staleMs)) if (await this.producer.requeueIfLost('report', id)) requeued++;
    for (const id of await this.repo.staleRuns(staleMs)) if (await this.producer.requeueIfLost('run', id)) requeued++;
    for (const d of await this.repo.staleDeliveries(staleMs)) if (await this.producer.requeueIfLost('delivery', d.run_id, d.idx)) requeued++;
    for (const id of await this.repo.unsettledRuns()) {
      const ended = await this.repo.settleRun(id);
      if (ended) this.metrics.scheduleRunEnded(runEndOutcome(ended));
    }
    if (requeued > 0) this.logger.warn(`Report sweep: ${requeued} job(s) that were lost queued again`);
  }
}
