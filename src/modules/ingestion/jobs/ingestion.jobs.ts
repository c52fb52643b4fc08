export const INGESTION_QUEUE = 'ingestion';

export enum IngestionJob {
  RunImport = 'ingestion.run-import',
}

export interface RunImportPayload {
  importId: string;
}
