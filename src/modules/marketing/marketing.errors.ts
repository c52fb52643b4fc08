import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const MarketingErrors = {
  invalidDate: (field: string, raw: string) =>
    new AppError('INVALID_DATE_FILTER', HttpStatus.BAD_REQUEST, `${field} must be a calendar date YYYY-MM-DD such as 2025-03-01, got '${raw}'`, { field }),
  emptyRange: (start: string, end: string) =>
    new AppError('INVALID_DATE_RANGE', HttpStatus.BAD_REQUEST, `start_date (${start}) is after end_date (${end}); both days are inclusive`, { start_date: start, end_date: end }),
  mixedCurrency: (currencies: string[]) =>
    new AppError(
      'MIXED_CURRENCY',
      HttpStatus.CONFLICT,
      `The rows in scope are in several currencies (${currencies.join(', ')}); money is not summed across currencies: add currency=${currencies[0]} (or another) to choose one`,
      { currencies },
    ),
  missingMetric: (allowed: readonly string[]) =>
    new AppError('INVALID_METRIC_TYPE', HttpStatus.BAD_REQUEST, `metric_type is required: one of ${allowed.join(', ')}`, { field: 'metric_type', allowed }),
  invalidMetric: (raw: string, allowed: readonly string[]) =>
    new AppError('INVALID_METRIC_TYPE', HttpStatus.BAD_REQUEST, `metric_type '${raw}' is not one of ${allowed.join(', ')}`, { field: 'metric_type', allowed }),
  compareNeedsWindow: () =>
    new AppError('INVALID_COMPARE', HttpStatus.BAD_REQUEST, 'compare=previous_period needs both start_date and end_date (the window to compare with the one just before it)', {
      fields: ['start_date', 'end_date'],
    }),
  compareNeedsEntity: (dimension: string) =>
    new AppError(
      'INVALID_COMPARE',
      HttpStatus.BAD_REQUEST,
      `compare=previous_period applies to platform, campaign, ad_group and ad breakdowns, not ${dimension} (use trends for a time series)`,
      { field: 'compare' },
    ),
  invalidJson: (reason: string) => new AppError('INVALID_JSON', HttpStatus.BAD_REQUEST, `The body is not valid JSON: ${reason}`),
  notAList: () => new AppError('INVALID_PAYLOAD', HttpStatus.BAD_REQUEST, 'Data must be a list of records'),
  recordMissing: (index: number, fields: string[]) =>
    new AppError('INVALID_RECORD', HttpStatus.BAD_REQUEST, `Record ${index} is missing ${fields.join(' and ')}`, { index, fields }),
  payloadTooLarge: (limitBytes: number) =>
    new AppError(
      'PAYLOAD_TOO_LARGE',
      HttpStatus.PAYLOAD_TOO_LARGE,
      `A JSON body to /data/ingest may hold at most ${limitBytes} bytes; send larger files to POST /api/v1/imports/marketing, which streams any size`,
      { limitBytes },
    ),
  unsupportedBody: (type: string) =>
    new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      `Send a JSON array (application/json), CSV (text/csv) or a multipart form with a 'file' part, not ${type}`,
    ),
};
