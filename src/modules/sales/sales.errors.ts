import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const SalesErrors = {
  invalidDate: (field: string, raw: string) =>
    new AppError('INVALID_DATE_FILTER', HttpStatus.BAD_REQUEST, `${field} must be a calendar date YYYY-MM-DD such as 2024-03-01, got '${raw}'`, { field }),
  emptyRange: (from: string, to: string) =>
    new AppError('INVALID_DATE_RANGE', HttpStatus.BAD_REQUEST, `from (${from}) must be before to (${to}): the window is [from, to), to is exclusive`, { from, to }),
  windowNotApplicable: () =>
    new AppError('INVALID_FILTER', HttpStatus.BAD_REQUEST, 'data-quality describes whole imports (dropped rows have no reliable date): use importId, not from/to', {
      fields: ['from', 'to'],
    }),
};
