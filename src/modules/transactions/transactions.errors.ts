import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const AnalyticsErrors = {
  invalidTimestamp: (field: string, raw: string) =>
    new AppError(
      'INVALID_TIMESTAMP_FILTER',
      HttpStatus.BAD_REQUEST,
      `${field} must be an ISO 8601 timestamp such as 2026-09-01T00:00:00Z (offset optional, UTC when absent), got '${raw}'`,
      { field },
    ),
  emptyRange: (from: string, to: string) =>
    new AppError('INVALID_TIME_RANGE', HttpStatus.BAD_REQUEST, `from (${from}) must be before to (${to}): the window is [from, to)`, { from, to }),
  unknownImport: (id: string) =>
    new AppError(
      'IMPORT_NOT_FOUND',
      HttpStatus.NOT_FOUND,
      `Import ${id} is not a completed transactions import of your organization`,
      { importId: id },
    ),
  dataChanged: () =>
    new AppError('DATA_CHANGED', HttpStatus.CONFLICT, 'An import in scope was deleted while this answer was being computed; ask again'),
  unknownTimeZone: (tz: string) =>
    new AppError('INVALID_TIME_ZONE', HttpStatus.BAD_REQUEST, `tz must be an IANA time zone name such as Europe/Berlin, got '${tz}'`, { tz }),
};
