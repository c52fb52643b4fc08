import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const StoreMonitoringErrors = {
  unknownTable: (name: string, valid: string[]) => new AppError('UNKNOWN_TABLE', HttpStatus.BAD_REQUEST, `Unknown table '${name}'; valid tables: ${valid.join(', ')}`, { valid }),
  badDataRequest: () =>
    new AppError(
      'INVALID_DATA_REQUEST',
      HttpStatus.BAD_REQUEST,
      'Send multipart/form-data with any of the files store_status, menu_hours, timezones, or JSON {"source":"directory"}',
    ),
  directoryNotConfigured: () =>
    new AppError('STORE_DATA_DIR_NOT_SET', HttpStatus.BAD_REQUEST, 'This server has no STORE_DATA_DIR configured; upload the files as multipart/form-data instead'),
  directoryEmpty: (dir: string, expected: string[]) =>
    new AppError('NO_STORE_FILES', HttpStatus.BAD_REQUEST, `STORE_DATA_DIR (${dir}) holds none of ${expected.join(', ')}`, { expected }),
  reportNotFound: (id: string) => new AppError('REPORT_NOT_FOUND', HttpStatus.NOT_FOUND, `Report ${id} not found`),
  reportNotReady: (id: string, status: string) =>
    new AppError('REPORT_NOT_READY', HttpStatus.CONFLICT, `Report ${id} is ${status}; its CSV exists once it is Complete`, { status }),
  reportExpired: (id: string, days: number) =>
    new AppError('REPORT_EXPIRED', HttpStatus.GONE, `Report ${id} expired: its CSV is kept ${days} days after it completes (REPORT_RETENTION_DAYS); trigger it again`, {
      reportId: id,
    }),
  invalidNow: (now: string) =>
    new AppError('INVALID_REPORT_PARAMS', HttpStatus.BAD_REQUEST, `now (${now}) is not an instant: give an ISO 8601 date-time such as 2023-01-25T18:00:00Z`, {
      problems: ['now must be an ISO 8601 date-time'],
    }),
};
