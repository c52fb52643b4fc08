import { Controller, Delete, Get, Headers, HttpStatus, MessageEvent, Param, ParseUUIDPipe, Post, Query, Req, Res, Sse, StreamableFile, UseGuards } from '@nestjs/common';
import { ImportVisibleGuard } from './import-visible.guard';
import { SseSlotGuard } from '@modules/auth/sse-streams';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { ApiErrors } from '@common/api-errors.decorator';
import { MinRole, OrgId } from '@modules/auth/auth.context';
import { DeleteImportResponseDto, ImportListResponseDto, ImportResponseDto, KindDto } from './dto/import-response.dto';
import { ListImportsQuery } from './dto/list-imports.query';
import { declaredType } from './file-sniffer';
import { ImportEventsService } from './import-events.service';
import { ImportRemovalService } from './import-removal.service';
import { CreatedImport, IngestionService } from './ingestion.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

export const MULTIPART_BODY = {
  schema: {
    type: 'object',
    required: ['kind', 'file'],
    properties: {
      kind: { type: 'string', example: 'transactions', description: 'Dataset kind (GET /api/v1/kinds); put it before file' },
      rejectThreshold: { type: 'number', example: 0.5, description: 'Optional: fail the import when more than this share of rows is rejected (default 0.5)' },
      file: {
        type: 'string',
        format: 'binary',
        description:
          'The file (up to MAX_UPLOAD_BYTES): CSV with a header line, or JSON when its name ends .json/.ndjson/.jsonl or its part says a JSON content type (one array of objects, or one object per line)',
      },
    },
  },
};

export const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Repeat a request with the same key to get the first import back instead of loading twice (1 to 200 printable ASCII characters, else 400)',
};

/** The name recorded for a raw-body upload that gave none: the kind, with its declared type's extension. */
export function defaultFileName(kind: string, contentType: string | undefined): string {
  if (declaredType(contentType) === 'csv') {
    return `${kind}.csv`;
  }
  return /ndjson|jsonl|jsonlines/i.test(contentType ?? '') ? `${kind}.ndjson` : `${kind}.json`;
}

/** Sends 202 for a new import, 200 for an Idempotency-Key replay. */
export function answerCreated(res: Response, created: CreatedImport): ImportResponseDto {
  res.status(created.isReplay ? HttpStatus.OK : HttpStatus.ACCEPTED);
  if (created.isReplay) {
    res.setHeader('Idempotent-Replayed', 'true');
  }
  res.setHeader('Location', created.body.links.self);
  return created.body;
}

@ApiTags('Imports')
@ApiAuth()
@Controller()
export class IngestionController {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly importEvents: ImportEventsService,
    private readonly removal: ImportRemovalService,
  ) {}

  @Get('kinds')
  @ApiOperation({ summary: 'The dataset kinds and the columns their files need' })
  @ApiOkResponse({ type: [KindDto] })
  @ApiErrors(401)
  listKinds(): KindDto[] {
    return this.ingestion.listKinds();
  }

  @Post('imports')
  @RateLimitClass('imports')
  @Audited('import.create', 'import')
  @MinRole('analyst')
  @ApiOperation({
    summary: 'Upload a file (multipart) and import it in the background',
    description: 'Answers 202 as soon as the file is on disk; follow progress with GET /imports/{id} or /imports/{id}/events.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody(MULTIPART_BODY)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiAcceptedResponse({ type: ImportResponseDto, description: 'Queued' })
  @ApiOkResponse({ type: ImportResponseDto, description: 'Idempotency-Key replay: the earlier import' })
  @ApiErrors(400, 401, 403, 413, 415, 503)
  async create(
    @OrgId() orgId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<ImportResponseDto> {
    return answerCreated(res, await this.ingestion.createFromMultipart(orgId, req, { idempotencyKey }));
  }

  @Post('imports/:kind')
  @RateLimitClass('imports')
  @Audited('import.create', 'import')
  @MinRole('analyst')
  @ApiOperation({
    summary: 'Import a file sent as the raw request body: CSV, a JSON array of objects, or NDJSON',
    description:
      'The Content-Type says how to read the body: `text/csv` or `application/octet-stream` (or none) for CSV; `application/json` for a JSON array ' +
      'of objects, or objects one per line; `application/x-ndjson` for one object per line. e.g. `curl --data-binary @file.csv -H "Content-Type: text/csv" .../imports/transactions`',
  })
  @ApiParam({ name: 'kind', example: 'transactions' })
  @ApiConsumes('text/csv', 'application/json', 'application/x-ndjson', 'application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiQuery({ name: 'fileName', required: false, description: 'Name to record for the upload (default: the kind, with .csv, .json or .ndjson after the Content-Type)' })
  @ApiQuery({ name: 'rejectThreshold', required: false, type: Number, description: 'Fail when more than this share of rows is rejected (0..1, default 0.5)' })
  @ApiAcceptedResponse({ type: ImportResponseDto })
  @ApiOkResponse({ type: ImportResponseDto, description: 'Idempotency-Key replay' })
  @ApiErrors(400, 401, 403, 413, 503)
  async createRaw(
    @OrgId() orgId: string,
    @Param('kind') kind: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Query('fileName') fileName?: string,
    @Query('rejectThreshold') rejectThreshold?: string,
  ): Promise<ImportResponseDto> {
    const created = await this.ingestion.createFromRawBody(orgId, kind, req, fileName || defaultFileName(kind, req.headers['content-type']), { idempotencyKey, rejectThreshold });
    return answerCreated(res, created);
  }

  @Get('imports')
  @ApiOperation({ summary: "List the organization's imports, newest first" })
  @ApiOkResponse({ type: ImportListResponseDto })
  @ApiErrors(400, 401)
  list(@OrgId() orgId: string, @Query() q: ListImportsQuery): Promise<ImportListResponseDto> {
    return this.ingestion.list(orgId, q);
  }

  @Get('imports/:id')
  @ApiOperation({ summary: 'Status, live progress and, when done, metrics of one import' })
  @ApiOkResponse({ type: ImportResponseDto })
  @ApiErrors(400, 401, 404)
  get(@OrgId() orgId: string, @Param('id', new ParseUUIDPipe()) id: string): Promise<ImportResponseDto> {
    return this.ingestion.get(orgId, id);
  }

  @Sse('imports/:id/events')
  @UseGuards(ImportVisibleGuard, SseSlotGuard)
  @ApiOperation({
    summary: 'Progress as Server-Sent Events',
    description:
      'Events: `progress` (the import, whenever it changes), then one of `completed`, `failed`, `cancelled` (or `removed`), then the stream ends. At most MAX_SSE_STREAMS_PER_KEY streams per key or user (429 SSE_STREAMS_LIMIT); a stream ends with an `ended` event when its key is revoked, its login ends or its token expires.',
  })
  @ApiProduces('text/event-stream')
  @ApiErrors(400, 401, 404)
  events(@OrgId() orgId: string, @Param('id', new ParseUUIDPipe()) id: string): Promise<Observable<MessageEvent>> {
    return this.importEvents.watch(orgId, id);
  }

  @Get('imports/:id/rejects')
  @RateLimitClass('exports')
  @MinRole('analyst')
  @ApiOperation({ summary: 'Download the rejected rows as CSV: line, reason, raw (analyst or admin: the raw rows hold phones and e-mail addresses)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV with header line,reason,raw' })
  @ApiErrors(400, 401, 403, 404)
  async rejects(@OrgId() orgId: string, @Param('id', new ParseUUIDPipe()) id: string, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const { stream, fileName } = await this.ingestion.openRejects(orgId, id);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
    return new StreamableFile(stream);
  }

  @Delete('imports/:id')
  @Audited('import.delete', 'import')
  @MinRole('analyst')
  @ApiOperation({ summary: 'Cancel a queued or running import, or remove an ended one together with exactly its rows' })
  @ApiOkResponse({ type: DeleteImportResponseDto })
  @ApiErrors(400, 401, 403, 404)
  remove(@OrgId() orgId: string, @Param('id', new ParseUUIDPipe()) id: string): Promise<DeleteImportResponseDto> {
    return this.removal.remove(orgId, id);
  }
}
