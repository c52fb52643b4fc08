export const STORE_REPORTS_QUEUE = 'store-reports';

export enum StoreReportJob {
  Generate = 'store-reports.generate',
}

export interface GenerateReportPayload {
  reportId: string;
}
