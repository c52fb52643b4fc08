export const REPORTS_QUEUE = 'reports';

export enum ReportJob {
  Generate = 'reports.generate',
  Expire = 'reports.expire',
}

export interface GenerateReportPayload {
  reportId: string;
}
