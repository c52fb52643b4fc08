import { HttpStatus } from '@nestjs/common';
import { AppError } from '@common/errors';

export const ScheduleErrors = {
  templateNotFound: (id: string) => new AppError('REPORT_TEMPLATE_NOT_FOUND', HttpStatus.NOT_FOUND, `Report template ${id} not found`, { templateId: id }),
  templateNameTaken: (name: string) => new AppError('REPORT_TEMPLATE_EXISTS', HttpStatus.CONFLICT, `A report template named "${name}" exists already`, { name }),
  templateInUse: (id: string, schedules: string[]) =>
    new AppError('REPORT_TEMPLATE_IN_USE', HttpStatus.CONFLICT, `Report template ${id} is used by ${schedules.length} schedule(s); delete or move them first`, {
      templateId: id,
      schedules,
    }),
  scheduleNotFound: (id: string) => new AppError('REPORT_SCHEDULE_NOT_FOUND', HttpStatus.NOT_FOUND, `Report schedule ${id} not found`, { scheduleId: id }),
  invalidCron: (message: string, cron: string) => new AppError('INVALID_CRON', HttpStatus.BAD_REQUEST, message, { cron }),
  neverFires: (cron: string, timezone: string) =>
    new AppError('INVALID_CRON', HttpStatus.BAD_REQUEST, `cron "${cron}" never fires (in ${timezone}, within five years)`, { cron, timezone }),
  invalidTimezone: (message: string, timezone: string) => new AppError('INVALID_TIMEZONE', HttpStatus.BAD_REQUEST, message, { timezone }),
  invalidDeliveries: (problems: string[]) => new AppError('INVALID_DELIVERIES', HttpStatus.BAD_REQUEST, `Invalid deliveries: ${problems.join('; ')}`, { problems }),
  queueUnavailable: (runId: string) =>
    new AppError('QUEUE_UNAVAILABLE', HttpStatus.SERVICE_UNAVAILABLE, `Run ${runId} was recorded but the job queue is unavailable; a worker will pick it up when it is back`, {
      runId,
    }),
  badLink: () => new AppError('INVALID_REPORT_LINK', HttpStatus.FORBIDDEN, 'This download link is not valid (altered, or for another report)'),
  linkExpired: () => new AppError('REPORT_LINK_EXPIRED', HttpStatus.GONE, 'This download link has expired; ask for the report again'),
};
