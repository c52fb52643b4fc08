export { assertTimeZone, countTicks, CronError, nextTick, parseCron, previousTick } from './cron';
export type { CronSpec } from './cron';
