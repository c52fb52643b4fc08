import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const ReportErrors = {
  unknownSource: (name: string, known: string[]) =>
    new AppError('UNKNOWN_REPORT_SOURCE', HttpStatus.BAD_REQUEST, `Unknown report source "${name}"; GET /api/v1/report-sources lists them`, { source: name, known }),
  invalidParams: (source: string, problems: string[]) =>
    new AppError('INVALID_REPORT_PARAMS', HttpStatus.BAD_REQUEST, `Invalid parameters for ${source}: ${problems.join('; ')}`, { source, problems }),
  noWindow: (kind: string) =>
    new AppError('INVALID_REPORT_PARAMS', HttpStatus.BAD_REQUEST, `${kind} rows have no time column: from and to do not apply`, {
      source: `${kind}.rows`,
      problems: ['from and to do not apply'],
    }),
  notFound: (id: string) => new AppError('REPORT_NOT_FOUND', HttpStatus.NOT_FOUND, `Report ${id} not found`, { reportId: id }),
  notReady: (id: string, status: string) =>
    new AppError('REPORT_NOT_READY', HttpStatus.CONFLICT, `Report ${id} is ${status}: only a COMPLETED report has a file`, { reportId: id, status }),
  expired: (id: string, days: number) =>
    new AppError('REPORT_EXPIRED', HttpStatus.GONE, `Report ${id} expired: files are kept ${days} days (REPORT_RETENTION_DAYS); create it again`, { reportId: id }),
  queueUnavailable: (id: string) =>
    new AppError('QUEUE_UNAVAILABLE', HttpStatus.SERVICE_UNAVAILABLE, `Report ${id} could not be queued: the job queue is unavailable; create it again`, { reportId: id }),
  fileGone: (id: string) => new AppError('REPORT_FILE_GONE', HttpStatus.GONE, `The file of report ${id} is gone`, { reportId: id }),
};
