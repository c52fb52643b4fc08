import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const IngestionErrors = {
  storedBytesQuota: (stored: number, incoming: number, max: number) =>
    new AppError(
      'QUOTA_STORED_BYTES',
      HttpStatus.PAYLOAD_TOO_LARGE,
      `The organization keeps ${stored} bytes of imports; ${incoming > 0 ? `this upload's ${incoming} bytes would pass` : 'that reaches'} its quota of ${max} bytes (ORG_MAX_STORED_BYTES); delete imports or ask for a larger quota`,
      { quota: 'maxStoredBytes', storedBytes: stored, incomingBytes: incoming, maxStoredBytes: max },
    ),
  activeImportsQuota: (active: number, max: number) =>
    new AppError(
      'QUOTA_ACTIVE_IMPORTS',
      HttpStatus.TOO_MANY_REQUESTS,
      `The organization has ${active} imports queued or running, its quota is ${max} (ORG_MAX_ACTIVE_IMPORTS); upload again when one ends`,
      { quota: 'maxActiveImports', activeImports: active, maxActiveImports: max },
    ).withHeaders({ 'Retry-After': '30' }),
  unknownKind: (kind: string, valid: string[]) => new AppError('UNKNOWN_KIND', HttpStatus.BAD_REQUEST, `Unknown kind '${kind}'; valid kinds: ${valid.join(', ')}`, { valid }),
  missingKind: (valid: string[]) => new AppError('KIND_REQUIRED', HttpStatus.BAD_REQUEST, `The form field 'kind' is required; valid kinds: ${valid.join(', ')}`, { valid }),
  missingFile: () => new AppError('FILE_REQUIRED', HttpStatus.BAD_REQUEST, "The multipart form has no 'file' part"),
  notMultipart: () =>
    new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'Send multipart/form-data with the fields kind and file, or POST the file as text/csv, application/json or application/x-ndjson to /api/v1/imports/{kind}',
    ),
  tooLarge: (max: number) => new AppError('FILE_TOO_LARGE', HttpStatus.PAYLOAD_TOO_LARGE, `The file exceeds the limit of ${max} bytes`, { maxBytes: max }),
  emptyFile: () => new AppError('EMPTY_FILE', HttpStatus.BAD_REQUEST, 'The file is empty'),
  headerTooLong: (bytes: number) =>
    new AppError('CSV_HEADER_TOO_LONG', HttpStatus.BAD_REQUEST, `The first line (the header) runs past ${bytes} bytes without ending: too many columns, or an unclosed quote`, {
      maxHeaderBytes: bytes,
    }),
  notCsv: (why: string) => new AppError('NOT_CSV', HttpStatus.BAD_REQUEST, `The file is not a CSV text file: ${why}`),
  notJson: (why: string) => new AppError('NOT_JSON', HttpStatus.BAD_REQUEST, `The file is not JSON records: ${why}`),
  invalidJson: (reason: string, byteOffset: number) =>
    new AppError('INVALID_JSON', HttpStatus.BAD_REQUEST, `The file is not valid JSON: ${reason} at byte ${byteOffset}`, { byteOffset }),
  missingMembers: (missing: string[], found: string[]) =>
    new AppError('MISSING_COLUMNS', HttpStatus.BAD_REQUEST, `The first record lacks required members: ${missing.join(', ')}`, { missing, found }),
  noHeader: (kind: string, expected: string[], firstLine: string) =>
    new AppError('CSV_HEADER_MISSING', HttpStatus.BAD_REQUEST, `The first line is not a ${kind} header (expected columns ${expected.join(', ')}; found "${firstLine}")`, {
      expected,
    }),
  missingColumns: (missing: string[], found: string[]) =>
    new AppError('MISSING_COLUMNS', HttpStatus.BAD_REQUEST, `The header lacks required columns: ${missing.join(', ')}`, { missing, found }),
  unknownPart: (part: string, valid: string[]) =>
    new AppError('UNKNOWN_FILE_PART', HttpStatus.BAD_REQUEST, `Unknown file part '${part}'; valid parts: ${valid.join(', ')}`, { valid }),
  repeatedPart: (part: string) => new AppError('REPEATED_FILE_PART', HttpStatus.BAD_REQUEST, `The file part '${part}' appears more than once`),
  noFiles: (valid: string[]) => new AppError('FILE_REQUIRED', HttpStatus.BAD_REQUEST, `The multipart form has none of the file parts ${valid.join(', ')}`, { valid }),
  noRows: () => new AppError('NO_DATA_ROWS', HttpStatus.BAD_REQUEST, 'The file has a header but no data rows'),
  uploadAborted: () => new AppError('UPLOAD_ABORTED', HttpStatus.BAD_REQUEST, 'The upload was interrupted before the body ended'),
  invalidThreshold: (raw: string) => new AppError('INVALID_REJECT_THRESHOLD', HttpStatus.BAD_REQUEST, `rejectThreshold must be a number between 0 and 1, got '${raw}'`),
  queueUnavailable: (id: string) =>
    new AppError('QUEUE_UNAVAILABLE', HttpStatus.SERVICE_UNAVAILABLE, `Import ${id} could not be queued: the job queue is unavailable; nothing was loaded, upload again`),
  importNotFound: (id: string) => new AppError('IMPORT_NOT_FOUND', HttpStatus.NOT_FOUND, `Import ${id} not found`),
  noRejects: (id: string) => new AppError('REJECTS_NOT_AVAILABLE', HttpStatus.NOT_FOUND, `Import ${id} has no rejects file yet`),
};

/** Thrown inside the import job to stop it; not retried. */
export class ImportAbort extends Error {
  constructor(
    readonly outcome: 'CANCELLED' | 'FAILED',
    message: string,
  ) {
    super(message);
  }
}
