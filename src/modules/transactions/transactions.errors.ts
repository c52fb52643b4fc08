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
  unknownTimeZone: (tz: string) => new AppError('INVALID_TIME_ZONE', HttpStatus.BAD_REQUEST, `tz must be an IANA time zone name such as Europe/Berlin, got '${tz}'`, { tz }),
};
