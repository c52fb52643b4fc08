import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const StoreMonitoringErrors = {
  unknownTable: (name: string, valid: string[]) =>
    new AppError('UNKNOWN_TABLE', HttpStatus.BAD_REQUEST, `Unknown table '${name}'; valid tables: ${valid.join(', ')}`, { valid }),
  badDataRequest: () =>
    new AppError(
      'INVALID_DATA_REQUEST', HttpStatus.BAD_REQUEST,
      'Send multipart/form-data with any of the files store_status, menu_hours, timezones, or JSON {"source":"directory"}',
    ),
  directoryNotConfigured: () =>
    new AppError('STORE_DATA_DIR_NOT_SET', HttpStatus.BAD_REQUEST, 'This server has no STORE_DATA_DIR configured; upload the files as multipart/form-data instead'),
  directoryEmpty: (dir: string, expected: string[]) =>
    new AppError('NO_STORE_FILES', HttpStatus.BAD_REQUEST, `STORE_DATA_DIR (${dir}) holds none of ${expected.join(', ')}`, { expected }),
  reportNotFound: (id: string) => new AppError('REPORT_NOT_FOUND', HttpStatus.NOT_FOUND, `Report ${id} not found`),
  reportNotReady: (id: string, status: string) =>
    new AppError('REPORT_NOT_READY', HttpStatus.CONFLICT, `Report ${id} is ${status}; its CSV exists once it is Complete`, { status }),
  queueUnavailable: (id: string) =>
    new AppError('QUEUE_UNAVAILABLE', HttpStatus.SERVICE_UNAVAILABLE, `Report ${id} could not be queued: the job queue is unavailable; trigger it again`),
};
