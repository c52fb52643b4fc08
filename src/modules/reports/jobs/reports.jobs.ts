export const REPORTS_QUEUE = 'reports';
/** Deliveries wait on other hosts, not on this one: their own queue, so a long export never holds them up. */
export const REPORT_DELIVERIES_QUEUE = 'report-deliveries';
/** Deliveries in flight at once in one worker process (each mostly waits on a network answer). */
export const DELIVERY_CONCURRENCY = 4;

export enum ReportJob {
  Generate = 'reports.generate',
  Expire = 'reports.expire',
  /** One run of a schedule: its report, then its deliveries queued. */
  ScheduleRun = 'reports.schedule-run',
  Deliver = 'reports.deliver',
}

export interface GenerateReportPayload {
  reportId: string;
}

export interface ScheduleRunPayload {
  runId: string;
}

export interface DeliverPayload {
  runId: string;
  idx: number;
}
