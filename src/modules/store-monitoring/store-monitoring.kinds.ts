import { createBusinessHoursCleaner, createStoreStatusCleaner, createTimezonesCleaner } from '@libs/cleaners';
import type { DatasetKind, PublishContext, PublishRef } from '@libs/ingest';

/**
 * The three store-monitoring feeds. Polls are appended (a re-sent poll is rejected as DUPLICATE
 * and does not count towards the reject threshold); business hours and time zones are replaced
 * per store: a later import's rows for a store remove the store's rows of earlier imports.
 */
export const storeStatusKind: DatasetKind = {
  name: 'store-status',
  description: 'Store polls: store_id, status (active|inactive), timestamp_utc; appended, a repeated (store_id, timestamp_utc) is rejected as DUPLICATE',
  columns: [
    { name: 'store_id', required: true, description: 'Store identifier; empty → MISSING_STORE_ID' },
    { name: 'status', required: true, description: 'active or inactive (any case); else INVALID_STATUS (MISSING_STATUS when empty)' },
    {
      name: 'timestamp_utc',
      required: true,
      description: 'UTC instant: `2024-10-03 23:33:20.412748 UTC` (fraction of any length or none, ` UTC` optional) or ISO 8601 with Z or an offset; else INVALID_TIMESTAMP',
    },
  ],
  table: 'store_status',
  windowColumn: 'timestamp_utc',
  copyColumns: ['store_id', 'status', 'timestamp_utc'],
  copyTypes: ['text', 'text', 'timestamptz'],
  uniqueKey: ['store_id', 'timestamp_utc'],
  duplicateReason: 'DUPLICATE',
  isRepeatExpected: true,
  // The report reads the last week of polls and the latest poll before it by time.
  indexes: [{ suffix: 'ts', columns: '(timestamp_utc)' }],
  createCleaner: createStoreStatusCleaner,
};

export const businessHoursKind: DatasetKind = {
  name: 'business-hours',
  description: "Store business hours in the store's local time; a store's rows replace its rows of earlier imports; a store without rows is open 24×7",
  columns: [
    { name: 'store_id', required: true, description: 'Store identifier; empty → MISSING_STORE_ID' },
    { name: 'dayOfWeek', required: true, description: '0 = Monday … 6 = Sunday; else INVALID_DAY_OF_WEEK' },
    { name: 'start_time_local', required: true, description: 'HH:MM:SS (or HH:MM) local time; else INVALID_START_TIME' },
    {
      name: 'end_time_local',
      required: true,
      description: 'HH:MM:SS local time (24:00:00 allowed); end < start runs past midnight into the next day, end = start is the whole day; else INVALID_END_TIME',
    },
  ],
  table: 'store_hours',
  copyColumns: ['store_id', 'day_of_week', 'start_sec', 'end_sec'],
  copyTypes: ['text', 'int4', 'int4', 'int4'],
  createCleaner: createBusinessHoursCleaner,
  publish: (ctx, ref) => replaceEarlierRows(ctx, ref, 'store_hours', 'business-hours'),
};

export const timezonesKind: DatasetKind = {
  name: 'timezones',
  description: "Store time zones (IANA names); a store's row replaces its rows of earlier imports; a store without one is in America/Chicago",
  columns: [
    { name: 'store_id', required: true, description: 'Store identifier; empty → MISSING_STORE_ID' },
    {
      name: 'timezone_str',
      required: true,
      description: 'IANA zone name (America/Denver); an unknown or empty one is read as America/Chicago and counted in warningsByReason.UNKNOWN_TIMEZONE',
    },
  ],
  table: 'store_timezones',
  copyColumns: ['store_id', 'timezone_str', 'timezone'],
  copyTypes: ['text', 'text', 'text'],
  createCleaner: createTimezonesCleaner,
  publish: async (ctx, ref) => {
    await replaceEarlierRows(ctx, ref, 'store_timezones', 'timezones');
    const [{ n }] = await ctx.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${ref.partition} WHERE timezone_str IS DISTINCT FROM timezone`);
    if (n > 0) {
      await ctx.sql(`UPDATE imports SET warnings_by_reason = jsonb_build_object('UNKNOWN_TIMEZONE', $2::int) WHERE id = $1`, [ref.importId, n]);
    }
  },
};

/**
 * In the publish transaction: the stores of this import lose their rows of the organization's
 * earlier imports of the kind (named, so other organizations' partitions are not read).
 */
async function replaceEarlierRows(ctx: PublishContext, ref: PublishRef, table: string, kind: string): Promise<void> {
  const earlier = await ctx.sql<{ id: string }>(`SELECT id FROM imports WHERE org_id = $1 AND kind = $2 AND status = 'COMPLETED' AND deleted_at IS NULL AND id <> $3`, [
    ref.orgId,
    kind,
    ref.importId,
  ]);
  if (earlier.length > 0) {
    await ctx.sql(`DELETE FROM ${table} WHERE import_id = ANY($1::uuid[]) AND store_id IN (SELECT store_id FROM ${ref.partition})`, [earlier.map((r) => r.id)]);
  }
}
