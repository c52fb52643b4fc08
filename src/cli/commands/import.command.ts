import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import type { ImportResponseDto } from '@modules/ingestion/dto/import-response.dto';
import type { ApiClient } from '../api-client';
import { ApiError, CliError, ExitCode, usageError } from '../cli.errors';
import { parseCommandArgs } from '../cli-args';
import type { CliContext, Command } from '../cli-context';
import { formatBytes, formatCount, formatDuration } from '../format';
import type { Progress } from '../progress';
import { formatImportSummary } from './import-summary';

const OPTIONS = {
  kind: { type: 'string', short: 'k' },
  type: { type: 'string' },
  'reject-threshold': { type: 'string' },
  'idempotency-key': { type: 'string' },
  'no-wait': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** Each file type and the Content-Type that POST /imports/{kind} reads it by. */
const MEDIA_TYPES = {
  csv: 'text/csv',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
} as const;
type FileType = keyof typeof MEDIA_TYPES;

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const POLL_MS = 1000;

const HELP = `Usage: analytics import FILE --kind KIND [options]

Uploads FILE (streamed from disk, up to the API's MAX_UPLOAD_BYTES, 3 GiB by default) as the raw
body of POST /api/v1/imports/KIND, shows the upload and then the server's processing progress
(its event stream), and prints the import's summary with the rejected rows by reason.

Options:
  -k, --kind KIND              the dataset kind (analytics kinds lists them)
      --type csv|json|ndjson   how FILE holds its records (default: from its extension;
                               .json, .ndjson/.jsonl, anything else is CSV)
      --reject-threshold N     fail the import when more than this share of rows is rejected (0..1)
      --idempotency-key KEY    a retry with the same key returns the first import
      --no-wait                return after the upload, printing the import id
      --json                   print the final import as the API's JSON instead of the summary
  -q, --quiet                  no progress
      --url URL, --key KEY     see analytics --help

Exit status: 0 COMPLETED (or queued, with --no-wait); 1 FAILED or CANCELLED; 2 bad usage;
3 the API refused the upload or could not be reached.`;

export const importCommand: Command = {
  name: 'import',
  summary: 'upload a file and follow its import to the end',
  help: HELP,
  async run(args: string[], ctx: CliContext): Promise<ExitCode> {
    const { values, positionals } = parseCommandArgs('import', args, OPTIONS);
    if (values.help) {
      ctx.out(HELP);
      return ExitCode.Ok;
    }
    if (positionals.length !== 1) {
      throw usageError(`import: give exactly one FILE (see analytics import --help)`);
    }
    if (!values.kind) {
      throw usageError('import: --kind is required (analytics kinds lists them)');
    }
    const filePath = positionals[0];
    const fileType = fileTypeOf(filePath, values.type);
    const threshold = thresholdOf(values['reject-threshold']);
    const sizeBytes = await fileSize(filePath);
    const client = ctx.client(values);
    const progress = ctx.progress(values.quiet);

    ctx.interruptNote = 'upload stopped: the API keeps nothing of an interrupted upload';
    const created = await upload(client, progress, {
      filePath,
      sizeBytes,
      fileType,
      kind: values.kind,
      threshold,
      idempotencyKey: values['idempotency-key'],
    });
    const id = created.importId;
    if (values['no-wait']) {
      ctx.out(values.json ? JSON.stringify(created, null, 2) : `import ${id} ${created.status} (follow it with: analytics imports, or GET /api/v1/imports/${id})`);
      return ExitCode.Ok;
    }
    ctx.interruptNote = `stopped waiting: import ${id} goes on on the server (analytics imports shows it)`;
    const final = await followImport(client, id, progress);
    ctx.out(values.json ? JSON.stringify(final, null, 2) : formatImportSummary(final));
    if (final.status === 'COMPLETED') {
      return ExitCode.Ok;
    }
    ctx.warn(`import ${id} ${final.status}${final.error ? `: ${final.error}` : ''}`);
    return ExitCode.JobFailed;
  },
};

interface UploadRequest {
  filePath: string;
  sizeBytes: number;
  fileType: FileType;
  kind: string;
  threshold: number | undefined;
  idempotencyKey: string | undefined;
}

async function upload(client: ApiClient, progress: Progress, req: UploadRequest): Promise<ImportResponseDto> {
  const startedAt = Date.now();
  let sentBytes = 0;
  const body = createReadStream(req.filePath, { highWaterMark: 1 << 20 });
  const rate = () => `${formatBytes(sentBytes / Math.max(0.001, (Date.now() - startedAt) / 1000))}/s`;
  progress.phase('upload', `${formatBytes(req.sizeBytes)} to ${req.kind}`);
  body.on('data', (chunk) => {
    sentBytes += chunk.length;
    progress.update(sentBytes / Math.max(1, req.sizeBytes), `${formatBytes(sentBytes)} of ${formatBytes(req.sizeBytes)}, ${rate()}`);
  });
  const created = await client.upload<ImportResponseDto>(
    `/imports/${encodeURIComponent(req.kind)}`,
    { fileName: path.basename(req.filePath), rejectThreshold: req.threshold },
    { body, sizeBytes: req.sizeBytes, contentType: MEDIA_TYPES[req.fileType] },
    req.idempotencyKey ? { 'Idempotency-Key': req.idempotencyKey } : {},
  );
  progress.done(1, `${formatBytes(req.sizeBytes)} in ${formatDuration(Date.now() - startedAt)}, import ${created.importId}`);
  return created;
}

/**
 * Shows the server's progress from the import's event stream until it ends, then reads the
 * import once more. Without a stream (429: this key holds too many) or when it breaks off,
 * polling GET /imports/{id} gives the same figures.
 */
async function followImport(client: ApiClient, id: string, progress: Progress): Promise<ImportResponseDto> {
  progress.phase('processing', 'queued');
  const show = (imp: ImportResponseDto) => showProcessing(progress, imp);
  try {
    for await (const event of client.events(`/imports/${id}/events`)) {
      if (event.event === 'removed') {
        throw new CliError(`import ${id} was removed while it ran`, ExitCode.JobFailed);
      }
      const imp = parseImport(event.data);
      if (imp) {
        show(imp);
      }
      if (event.event === 'ended' || (imp && TERMINAL.has(imp.status))) {
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 429)) {
      throw err;
    }
  }
  for (;;) {
    const imp = await client.getJson<ImportResponseDto>(`/imports/${id}`);
    if (TERMINAL.has(imp.status)) {
      const p = imp.progress;
      progress.done(imp.status === 'COMPLETED' ? 1 : null, `${imp.status}, ${formatCount(p.rowsRead)} rows read`);
      return imp;
    }
    show(imp);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function showProcessing(progress: Progress, imp: ImportResponseDto): void {
  if (imp.status === 'QUEUED') {
    progress.update(null, 'queued, waiting for a worker');
    return;
  }
  const p = imp.progress;
  const eta = p.etaMs !== null && p.etaMs > 0 ? `, ${formatDuration(p.etaMs)} left` : '';
  progress.update(
    p.percent / 100,
    `${formatCount(p.rowsRead)} rows read, ${formatCount(p.rowsLoaded)} loaded, ${formatCount(p.rowsRejected)} rejected, ${formatCount(p.rowsPerSec)} rows/s${eta}`,
  );
}

function parseImport(data: string): ImportResponseDto | null {
  try {
    const value = JSON.parse(data) as Partial<ImportResponseDto>;
    return value && typeof value.status === 'string' && value.progress ? (value as ImportResponseDto) : null;
  } catch {
    return null;
  }
}

function fileTypeOf(filePath: string, declared: string | undefined): FileType {
  if (declared !== undefined) {
    if (!(declared in MEDIA_TYPES)) {
      throw usageError(`import: --type must be csv, json or ndjson, not '${declared}'`);
    }
    return declared as FileType;
  }
  const ext = path.extname(filePath).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.ndjson' || ext === '.jsonl' ? 'ndjson' : 'csv';
}

function thresholdOf(raw: string | undefined): number | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw usageError(`import: --reject-threshold must be a share from 0 to 1, not '${raw}'`);
  }
  return n;
}

async function fileSize(filePath: string): Promise<number> {
  let stat;
  try {
    stat = await fs.stat(filePath);
  } catch (err) {
    throw usageError(`import: cannot read ${filePath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!stat.isFile()) {
    throw usageError(`import: ${filePath} is not a file`);
  }
  return stat.size;
}
