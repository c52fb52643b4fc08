import { Injectable, Logger } from '@nestjs/common';
import { promises as fs } from 'fs';
import * as os from 'os';
import { AppConfig } from '@config/app-config';
import { withSessionLock } from '@common/concurrency/session-lock';
import { AppError } from '@common/errors';
import { Metrics } from '@common/metrics/metrics.service';
import { CONTENT_TYPES } from '@libs/export';
import { ReportsProducer } from '../jobs/reports.producer';
import { reportFilePath, ReportRunner } from '../report-runner';
import { ReportsRepository } from '../reports.repository';
import { downloadName, ReportsService } from '../reports.service';
import { Delivery, deliveryTarget } from './deliveries';
import { DeliveryContent, DeliveryFailure, DeliverySender } from './delivery-sender';
import { ReportLinks } from './report-links';
import { DeliveryRow, RunRow, ScheduleRow, SchedulesRepository } from './schedules.repository';

/** This process, as the run log names the worker that ran a run. */
export const WORKER_NAME = `${os.hostname()}:${process.pid}`;
/** Attempts at a run's report (workers that died count) before it is FAILED. */
const MAX_RUN_ATTEMPTS = 5;

/**
 * Executes a schedule's runs: the run's report (made by the report engine, in this job), then one
 * delivery job per delivery, each retried on its own with exponential backoff. Every step checks
 * the run's state first, so a retried or taken-over job never makes a second report or a second
 * delivery of one that succeeded.
 */
@Injectable()
export class ScheduleRunner {
  private readonly logger = new Logger(ScheduleRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repo: SchedulesRepository,
    private readonly reports: ReportsService,
    private readonly reportsRepo: ReportsRepository,
    private readonly runner: ReportRunner,
    private readonly producer: ReportsProducer,
    private readonly sender: DeliverySender,
    private readonly links: ReportLinks,
    private readonly metrics: Metrics,
  ) {}

  /**
   * One attempt at a run's report; throws when the attempt should be retried. Under the run's
   * session lock: a job Bull hands over while its first worker still runs finds it held and leaves.
   */
  async executeRun(runId: string, isLastAttempt: boolean): Promise<string> {
    const done = await withSessionLock(this.config.DATABASE_URL, `run:${runId}`, () => this.executeRunLocked(runId, isLastAttempt));
    if (!done.locked) this.logger.log(`Run ${runId} is being run by another worker; skipped`);
    return done.locked ? done.value : 'SKIPPED';
  }

  private async executeRunLocked(runId: string, isLastAttempt: boolean): Promise<string> {
    const run = await this.repo.claimRun(runId, WORKER_NAME);
    if (!run) {
      this.logger.log(`Run ${runId} has ended, moved on to its deliveries, or is gone; nothing to do`);
      return 'SKIPPED';
    }
    if (run.attempts > MAX_RUN_ATTEMPTS) {
      // Workers kept dying on it (Bull counts no attempt for a stalled job): stop here.
      await this.failRun(run, `Gave up after ${MAX_RUN_ATTEMPTS} attempts whose workers died or failed`);
      return 'FAILED';
    }
    const schedule = await this.repo.scheduleById(run.schedule_id);
    const template = schedule && (await this.repo.templateById(schedule.template_id));
    if (!schedule || !template) return 'SKIPPED';
    let reportId = run.report_id;
    if (!reportId) {
      // The template's parameters are checked again: an import it names may be gone by now.
      const auth = { orgId: schedule.org_id };
      try {
        const { source, params } = await this.reports.checked(auth, template.source, template.params);
        reportId = await this.repo.createRunReport(run.id, {
          orgId: schedule.org_id,
          name: schedule.name ?? template.name,
          source: source.name,
          params,
          format: template.format,
          requestedBy: schedule.created_by,
          role: schedule.created_role,
        });
      } catch (err) {
        if (!(err instanceof AppError) && !isLastAttempt) throw err;
        await this.endRun(run.id, 'FAILED', err instanceof AppError ? err.message : `The run failed on an internal error; the server log has the cause under run ${run.id}`);
        return 'FAILED';
      }
    }
    try {
      // Ends the report COMPLETED or FAILED, or throws when the attempt is worth retrying.
      await this.runner.run(reportId, isLastAttempt);
    } catch (err) {
      await this.repo.retrying(run.id, err instanceof AppError ? err.message : 'an internal error; retrying');
      throw err;
    }
    const report = await this.reportsRepo.get(schedule.org_id, reportId);
    if (!report) {
      await this.endRun(run.id, 'FAILED', `The run's report ${reportId} was deleted`);
      return 'FAILED';
    }
    if (report.status === 'FAILED') {
      await this.endRun(run.id, 'FAILED', `The report failed: ${report.error ?? 'unknown error'}`);
      return 'FAILED';
    }
    if (report.status !== 'COMPLETED') {
      // Another worker holds the report (a job Bull handed over while its first worker still ran): that one finishes the run.
      this.logger.log(`Run ${runId}: report ${reportId} is ${report.status} in another worker; it finishes the run`);
      return 'SKIPPED';
    }
    if (schedule.skip_if_empty && Number(report.rows) === 0) {
      await this.endRun(run.id, 'SKIPPED', null);
      return 'SKIPPED';
    }
    return this.startDeliveries(run, schedule.deliveries);
  }

  private async startDeliveries(run: RunRow, deliveries: Delivery[]): Promise<string> {
    if (deliveries.length === 0) {
      await this.endRun(run.id, 'SUCCESS', null);
      return 'SUCCESS';
    }
    await this.repo.insertDeliveries(
      run.id,
      deliveries.map((d) => ({ type: d.type, target: deliveryTarget(d), spec: d })),
    );
    for (let idx = 0; idx < deliveries.length; idx++) {
      // A queue outage here leaves the delivery PENDING: the scheduler's sweep queues it again.
      await this.producer.enqueueDelivery(run.id, idx).catch((err: unknown) => this.logger.error({ err, runId: run.id, idx }, 'Queueing a delivery failed; the sweep will retry'));
    }
    return 'DELIVERING';
  }

  /**
   * One try of one delivery; throws when it should be tried again (Bull waits the backoff). Under
   * the delivery's session lock, so a job handed over while its first worker still sends does not
   * send a second time.
   */
  async executeDelivery(runId: string, idx: number): Promise<string> {
    const done = await withSessionLock(this.config.DATABASE_URL, `delivery:${runId}:${idx}`, () => this.executeDeliveryLocked(runId, idx));
    return done.locked ? done.value : 'SKIPPED';
  }

  private async executeDeliveryLocked(runId: string, idx: number): Promise<string> {
    const row = await this.repo.startDeliveryAttempt(runId, idx);
    if (!row) {
      // Ended already; its run may not have been settled if a worker died in between.
      await this.settleRun(runId);
      return 'SKIPPED';
    }
    if (row.attempts > this.config.DELIVERY_ATTEMPTS) {
      await this.repo.endDeliveryAttempt(runId, idx, {
        state: 'FAILED',
        status: row.last_status,
        error: `Gave up after ${this.config.DELIVERY_ATTEMPTS} tries (the last ones' workers died): ${row.last_error ?? ''}`.trim(),
        detail: null,
        nextAttemptAt: null,
      });
      this.metrics.deliveryTried(row.type, 'failed');
      await this.settleRun(runId);
      return 'FAILED';
    }
    const isLast = row.attempts >= this.config.DELIVERY_ATTEMPTS;
    try {
      const content = await this.content(row, row.attempts);
      const spec = (row.detail as { spec: Delivery }).spec;
      const result = spec.type === 'webhook' ? await this.sender.webhook(spec, content) : await this.sender.email(spec, content);
      await this.repo.endDeliveryAttempt(runId, idx, { state: 'SUCCESS', status: result.status, error: null, detail: result.detail, nextAttemptAt: null });
      this.metrics.deliveryTried(row.type, 'success');
      await this.settleRun(runId);
      return 'SUCCESS';
    } catch (err) {
      const failure = err instanceof DeliveryFailure ? err : new DeliveryFailure(err instanceof Error ? err.message : String(err), false, null);
      if (failure.permanent || isLast) {
        await this.repo.endDeliveryAttempt(runId, idx, { state: 'FAILED', status: failure.status, error: failure.message, detail: null, nextAttemptAt: null });
        this.metrics.deliveryTried(row.type, 'failed');
        await this.settleRun(runId);
        this.logger.warn(`Delivery ${runId}:${idx} FAILED after ${row.attempts} tries: ${failure.message}`);
        return 'FAILED';
      }
      const waitMs = (2 ** row.attempts - 1) * this.config.DELIVERY_BACKOFF_MS;
      await this.repo.endDeliveryAttempt(runId, idx, {
        state: 'RETRYING',
        status: failure.status,
        error: failure.message,
        detail: null,
        nextAttemptAt: new Date(Date.now() + waitMs),
      });
      this.metrics.deliveryTried(row.type, 'retrying');
      await this.settleRun(runId);
      throw failure;
    }
  }

  /** A delivery whose job Bull gave up on (its worker kept dying): FAILED. */
  async failAbandonedDelivery(runId: string, idx: number, reason: string): Promise<void> {
    await this.repo.endDeliveryAttempt(runId, idx, { state: 'FAILED', status: null, error: `abandoned: ${reason}`, detail: null, nextAttemptAt: null });
    await this.settleRun(runId);
  }

  /** A run whose job Bull gave up on: FAILED with its report (a no-op once it moved on or ended). */
  async failAbandonedRun(runId: string, reason: string): Promise<void> {
    const run = await this.repo.run(runId);
    if (run) await this.failRun(run, `The run's job was abandoned: ${reason}`);
  }

  /** Ends a run without deliveries, counting it when this call ended it. */
  private async endRun(runId: string, state: 'SUCCESS' | 'FAILED' | 'SKIPPED', error: string | null): Promise<void> {
    if (await this.repo.endRun(runId, state, error)) {
      this.metrics.scheduleRunEnded(runEndOutcome(state));
    }
  }

  /** Settles a run from its deliveries, counting it when this call ended it. */
  private async settleRun(runId: string): Promise<void> {
    const ended = await this.repo.settleRun(runId);
    if (ended) this.metrics.scheduleRunEnded(runEndOutcome(ended));
  }

  private async failRun(run: RunRow, error: string): Promise<void> {
    await this.endRun(run.id, 'FAILED', error);
    if (run.report_id) await this.reportsRepo.fail(run.report_id, error);
  }

  private async content(d: DeliveryRow, attempt: number): Promise<DeliveryContent> {
    const run = (await this.repo.run(d.run_id))!;
    const schedule = (await this.repo.scheduleById(run.schedule_id)) as ScheduleRow;
    const report = run.report_id ? await this.reportsRepo.get(run.org_id, run.report_id) : null;
    const path = report && reportFilePath(this.config.DATA_DIR, report);
    if (!report || report.status !== 'COMPLETED' || !path || !(await fs.stat(path).catch(() => null))) {
      throw new DeliveryFailure(`The run's report is gone (${report ? report.status.toLowerCase() : 'deleted'}); nothing to deliver`, true, null);
    }
    const link = await this.links.link(report.id, report.finished_at!);
    return {
      payload: {
        deliveryId: `${d.run_id}:${d.idx}`,
        attempt,
        schedule: { id: schedule.id, name: schedule.name, cron: schedule.cron, timezone: schedule.timezone },
        run: { id: run.id, scheduledFor: run.scheduled_for.toISOString(), trigger: run.trigger, startedAt: run.started_at?.toISOString() ?? null },
        report: {
          id: report.id,
          name: report.name,
          source: report.source,
          format: report.format,
          rows: Number(report.rows),
          bytes: Number(report.bytes),
          downloadUrl: link.url,
          expiresAt: link.expiresAt,
        },
      },
      file: { path, bytes: Number(report.bytes), fileName: downloadName(report), contentType: CONTENT_TYPES[report.format] },
    };
  }
}

export function runEndOutcome(state: 'SUCCESS' | 'FAILED' | 'SKIPPED'): 'success' | 'failed' | 'skipped' {
  return state === 'SUCCESS' ? 'success' : state === 'FAILED' ? 'failed' : 'skipped';
}
