import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Readable } from 'stream';
import { countRecords } from '@libs/ingest';
import { IngestionService } from '@modules/ingestion/ingestion.service';
import type { CreatedImport } from '@modules/ingestion/ingestion.service';
import type { IngestAcceptedDto } from './dto/marketing-response.dto';
import { MarketingErrors } from './marketing.errors';

/** A JSON body is parsed whole to check every record first: larger files go to /imports/marketing, which streams. */
export const MAX_JSON_INGEST_BYTES = 32 * 1024 * 1024;
const REQUIRED = ['campaign_id', 'platform'] as const;

/**
 * The replaced service's `POST /data/ingest`: a JSON array of records (each checked for
 * campaign_id and platform before anything is stored), a CSV body, or a multipart `file`,
 * imported as the marketing kind like any upload.
 */
@Injectable()
export class MarketingIngestService {
  constructor(private readonly ingestion: IngestionService) {}

  async ingest(orgId: string, req: Request, idempotencyKey?: string): Promise<IngestAcceptedDto> {
    const media = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    let count = 0;
    const inspect = async (path: string, format: Parameters<typeof countRecords>[1]) => {
      count = await countRecords(path, format);
    };
    let created: CreatedImport;
    if (media === 'multipart/form-data') {
      created = await this.ingestion.createFromMultipart(orgId, req, { idempotencyKey, inspect }, 'marketing');
    } else if (media === 'application/json' || media.endsWith('+json')) {
      const body = await readCapped(req, MAX_JSON_INGEST_BYTES);
      count = checkRecords(body);
      const stream = Object.assign(Readable.from([body]), { headers: { 'content-type': 'application/json' } });
      created = await this.ingestion.createFromRawBody(orgId, 'marketing', stream, 'data-ingest.json', { idempotencyKey });
    } else if (media === '' || media === 'text/csv' || media === 'text/plain' || media === 'application/octet-stream') {
      created = await this.ingestion.createFromRawBody(orgId, 'marketing', req, 'data-ingest.csv', { idempotencyKey, inspect });
    } else {
      throw MarketingErrors.unsupportedBody(media);
    }
    const importId = created.body.importId;
    return { message: 'Data ingestion started', task_id: importId, records_count: created.isReplay ? created.body.progress.rowsRead : count, importId };
  }
}

/** The records of a JSON body: it must be an array, and every record an object with campaign_id and platform. */
export function checkRecords(body: Buffer): number {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw MarketingErrors.invalidJson((err as Error).message);
  }
  if (!Array.isArray(data)) {
    throw MarketingErrors.notAList();
  }
  data.forEach((record: unknown, index) => {
    const isObject = typeof record === 'object' && record !== null && !Array.isArray(record);
    const missing = REQUIRED.filter((field) => !isObject || isBlank((record as Record<string, unknown>)[field]));
    if (missing.length > 0) {
      throw MarketingErrors.recordMissing(index, [...missing]);
    }
  });
  return data.length;
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

async function readCapped(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end even past the limit (dropping the bytes): leaving the loop would destroy the
  // socket before the 413 is written.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) {
      chunks.push(chunk as Buffer);
    }
  }
  if (size > limit) {
    throw MarketingErrors.payloadTooLarge(limit);
  }
  return Buffer.concat(chunks);
}
