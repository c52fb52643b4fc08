import { Injectable } from '@nestjs/common';
import { isKnownTimeZone } from '@libs/cleaners';
import type { MessagingGranularity, MessagingWindowQuery, TimeWindowQuery } from './dto/messaging-query.dto';
import { MessagingErrors } from './messaging.errors';
import { MessageFilter, MessagingRepository, MessagingWindow } from './messaging.repository';

const DEFAULT_WINDOW_MS = 7 * 86_400_000;
const MAX_BUCKETS = 10_000;
const BUCKET_MS: Record<MessagingGranularity, number> = { hourly: 3_600_000, daily: 86_400_000, weekly: 7 * 86_400_000 };
/** A local date, or an ISO 8601 date-time with an optional offset (Z, ±HH, ±HHMM, ±HH:MM). */
const TIME_TEXT = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const OFFSET_TEXT = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
/** Postgres: a date/time field out of range, or invalid datetime format. */
const BAD_TIME_CODES = new Set(['22008', '22007']);

export interface ResolvedWindow extends MessagingWindow {
  tz: string;
  filter: MessageFilter;
}

/** The window, zone and filters of a messaging request, validated (every messaging answer reads them alike). */
@Injectable()
export class MessagingWindows {
  constructor(private readonly repo: MessagingRepository) {}

  /** UTC instants from `from`/`to` (defaults: now rounded up to the minute, 7 days before); with a granularity, at most MAX_BUCKETS buckets. */
  async resolve(q: TimeWindowQuery & Partial<MessagingWindowQuery>, granularity: MessagingGranularity | null): Promise<ResolvedWindow> {
    const tz = q.tz ?? 'UTC';
    if (!isKnownTimeZone(tz)) {
      throw MessagingErrors.unknownTimeZone(tz);
    }
    const to = q.to === undefined ? nextMinute(Date.now()) : await this.instant('to', q.to, tz);
    const from = q.from === undefined ? new Date(Date.parse(to) - DEFAULT_WINDOW_MS).toISOString() : await this.instant('from', q.from, tz);
    if (Date.parse(from) >= Date.parse(to)) {
      throw MessagingErrors.emptyWindow(from, to);
    }
    if (granularity !== null) {
      const buckets = Math.ceil((Date.parse(to) - Date.parse(from)) / BUCKET_MS[granularity]);
      if (buckets > MAX_BUCKETS) {
        throw MessagingErrors.tooManyBuckets(buckets, MAX_BUCKETS, granularity);
      }
    }
    return { from, to, tz, filter: messageFilter(q) };
  }

  private async instant(field: string, raw: string, tz: string): Promise<string> {
    const text = raw.trim();
    if (!TIME_TEXT.test(text)) {
      throw MessagingErrors.invalidTime(field, raw);
    }
    try {
      return await this.repo.instant(text, OFFSET_TEXT.test(text) && text.length > 10, tz);
    } catch (err) {
      if (BAD_TIME_CODES.has((err as { code?: string }).code ?? '')) {
        throw MessagingErrors.invalidTime(field, raw);
      }
      throw err;
    }
  }
}

/** The message filters of a request (channels are stored lower-cased). */
export function messageFilter(q: { channel?: string; template_id?: string; campaign_id?: string }): MessageFilter {
  return { channel: q.channel?.toLowerCase() ?? null, templateId: q.template_id ?? null, campaignId: q.campaign_id ?? null };
}

/** The start of the next whole minute (now itself when on one), ISO UTC. */
export function nextMinute(ms: number): string {
  return new Date(Math.ceil(ms / 60_000) * 60_000).toISOString();
}

/** ±HH:MM of an offset in seconds east of UTC. */
export function offsetText(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  return `${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}`;
}

export function round2(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100;
}
