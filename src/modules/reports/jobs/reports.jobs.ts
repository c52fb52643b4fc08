export const REPORTS_QUEUE = 'reports';

export enum ReportJob {
  Generate = 'reports.generate',
}

export interface GenerateReportPayload {
  reportId: string;
}
