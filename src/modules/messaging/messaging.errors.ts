import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const MessagingErrors = {
  unknownTimeZone: (tz: string) =>
    new AppError('INVALID_TIMEZONE', HttpStatus.BAD_REQUEST, `tz '${tz}' is not an IANA time zone (such as UTC, Europe/London, America/New_York)`, { field: 'tz' }),
  invalidTime: (field: string, raw: string) =>
    new AppError(
      'INVALID_TIME',
      HttpStatus.BAD_REQUEST,
      `${field} must be an ISO 8601 instant (2025-06-01T00:00:00Z) or a local date or date-time in tz (2025-06-01), got '${raw}'`,
      { field },
    ),
  emptyWindow: (from: string, to: string) => new AppError('INVALID_TIME_RANGE', HttpStatus.BAD_REQUEST, `from (${from}) must be before to (${to}); to is exclusive`, { from, to }),
  tooManyBuckets: (buckets: number, max: number, granularity: string) =>
    new AppError('WINDOW_TOO_LONG', HttpStatus.BAD_REQUEST, `The window holds ${buckets} ${granularity} buckets, more than ${max}: shorten it or use a coarser granularity`, {
      buckets,
      max,
    }),
};
