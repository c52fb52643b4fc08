import { CleanValues, CleanerContext, Reject, RowCleaner } from './cleaner.types';
import { cleanStoreTimestamp } from './store-monitoring.cleaner';
import { isDigit, trimField } from './text';

/**
 * Row cleaners for the three messaging kinds:
 * - message-events:    message_id, status, timestamp, channel, recipient_id, template_id,
 *                      campaign_id, conversation_id, error_code, retry_count, delivery_latency_ms
 *                      → the same order, status in the five-word vocabulary, timestamp as UTC
 * - engagement-events: user_id, action_type, timestamp, duration_ms
 * - system-metrics:    service_name, metric_name, metric_value, timestamp
 * Timestamps are ISO 8601 (a missing offset is UTC) or epoch seconds, with up to 6 decimals.
 */

/** The five statuses a message event is stored with. */
export const MESSAGE_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Accepted spellings (lower-cased): the five, and Twilio's words for two of them. */
const STATUS_WORDS: ReadonlyMap<string, MessageStatus> = new Map<string, MessageStatus>([
  ...MESSAGE_STATUSES.map((s) => [s, s] as [string, MessageStatus]),
  ['sending', 'sent'],
  ['undelivered', 'failed'],
]);

export const ENGAGEMENT_ACTIONS = [
  'login',
  'logout',
  'message_send',
  'message_read',
  'template_create',
  'template_edit',
  'contact_import',
  'contact_export',
  'report_view',
] as const;
export const SYSTEM_SERVICES = ['api_gateway', 'message_service', 'contact_service', 'template_service', 'analytics_service'] as const;

const DEFAULT_CHANNEL = 'whatsapp';
/** Larger counts and durations are corrupt fields (a day is 8.64e7 ms); also keeps them inside int8 and exact as doubles. */
const MAX_WHOLE = 1e15;
/** Epoch seconds up to 9999-12-31T23:59:59Z; more digits are milliseconds or noise, not seconds. */
const MAX_EPOCH_SECONDS = 253402300799;

const REJECTS = {
  MISSING_MESSAGE_ID: new Reject('MISSING_MESSAGE_ID'),
  MISSING_STATUS: new Reject('MISSING_STATUS'),
  INVALID_STATUS: new Reject('INVALID_STATUS'),
  MISSING_TIMESTAMP: new Reject('MISSING_TIMESTAMP'),
  INVALID_TIMESTAMP: new Reject('INVALID_TIMESTAMP'),
  INVALID_RETRY_COUNT: new Reject('INVALID_RETRY_COUNT'),
  INVALID_DELIVERY_LATENCY: new Reject('INVALID_DELIVERY_LATENCY'),
  MISSING_USER_ID: new Reject('MISSING_USER_ID'),
  MISSING_ACTION_TYPE: new Reject('MISSING_ACTION_TYPE'),
  INVALID_ACTION_TYPE: new Reject('INVALID_ACTION_TYPE'),
  INVALID_DURATION: new Reject('INVALID_DURATION'),
  MISSING_SERVICE_NAME: new Reject('MISSING_SERVICE_NAME'),
  INVALID_SERVICE_NAME: new Reject('INVALID_SERVICE_NAME'),
  MISSING_METRIC_NAME: new Reject('MISSING_METRIC_NAME'),
  MISSING_METRIC_VALUE: new Reject('MISSING_METRIC_VALUE'),
  INVALID_METRIC_VALUE: new Reject('INVALID_METRIC_VALUE'),
  NEGATIVE_METRIC_VALUE: new Reject('NEGATIVE_METRIC_VALUE'),
};

export const MESSAGE_EVENT_REJECT_CODES = [
  'MISSING_MESSAGE_ID',
  'MISSING_STATUS',
  'INVALID_STATUS',
  'MISSING_TIMESTAMP',
  'INVALID_TIMESTAMP',
  'INVALID_RETRY_COUNT',
  'INVALID_DELIVERY_LATENCY',
];

/** A status in any case and with Twilio's words ("sending" → sent, "undelivered" → failed), else null. */
export function normalizeMessageStatus(raw: string): MessageStatus | null {
  return STATUS_WORDS.get(raw.toLowerCase()) ?? null;
}

/**
 * A timestamp as canonical UTC timestamptz text (see cleanStoreTimestamp): ISO 8601 with or
 * without an offset (none is UTC), or epoch seconds with up to 6 decimals (WhatsApp sends
 * "1717000000"). Anything else, a negative epoch or one past year 9999 → null.
 */
export function readEventTimestamp(s: string): string | null {
  if (s.length > 0 && isDigit(s.charCodeAt(0)) && s.length <= 18 && s.charCodeAt(4) !== 45 /* '-' */) {
    return readEpochSeconds(s);
  }
  const iso = cleanStoreTimestamp(s);
  return typeof iso === 'string' ? iso : null;
}

function readEpochSeconds(s: string): string | null {
  let i = 0;
  let seconds = 0;
  while (i < s.length && isDigit(s.charCodeAt(i))) {
    seconds = seconds * 10 + (s.charCodeAt(i) - 48);
    i++;
  }
  let fraction = '';
  if (i < s.length) {
    if (s.charCodeAt(i) !== 46 /* '.' */) return null;
    const start = ++i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i !== s.length || i === start || i - start > 6) return null;
    fraction = s.slice(start, i).replace(/0+$/, '');
  }
  if (seconds > MAX_EPOCH_SECONDS) return null;
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00:00`;
}

/** A whole number ≥ 0 ('' → null), else NaN. */
function readWhole(raw: string): number | null {
  if (raw === '') return null;
  let v = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (!isDigit(c)) return NaN;
    v = v * 10 + (c - 48);
  }
  return v > MAX_WHOLE ? NaN : v;
}

function optional(raw: string | undefined): string | null {
  const v = trimField(raw);
  return v === '' ? null : v;
}

export function createMessageEventsCleaner(_ctx: CleanerContext): RowCleaner {
  return function cleanMessageEventRow(f: string[]): CleanValues | Reject {
    const messageId = trimField(f[0]);
    if (messageId === '') return REJECTS.MISSING_MESSAGE_ID;
    const rawStatus = trimField(f[1]);
    if (rawStatus === '') return REJECTS.MISSING_STATUS;
    const status = normalizeMessageStatus(rawStatus);
    if (status === null) return REJECTS.INVALID_STATUS;
    const rawTs = trimField(f[2]);
    if (rawTs === '') return REJECTS.MISSING_TIMESTAMP;
    const ts = readEventTimestamp(rawTs);
    if (ts === null) return REJECTS.INVALID_TIMESTAMP;
    const retries = readWhole(trimField(f[9]));
    if (retries !== retries) return REJECTS.INVALID_RETRY_COUNT; // NaN
    const latency = readWhole(trimField(f[10]));
    if (latency !== latency) return REJECTS.INVALID_DELIVERY_LATENCY;
    const channel = trimField(f[3]).toLowerCase() || DEFAULT_CHANNEL;
    return [
      messageId,
      status,
      ts,
      channel,
      optional(f[4]),
      optional(f[5]),
      optional(f[6]),
      optional(f[7]),
      optional(f[8]),
      retries === null ? '0' : String(retries),
      latency === null ? null : String(latency),
    ];
  };
}

const ACTIONS: ReadonlySet<string> = new Set(ENGAGEMENT_ACTIONS);
const SERVICES: ReadonlySet<string> = new Set(SYSTEM_SERVICES);

export function createEngagementEventsCleaner(_ctx: CleanerContext): RowCleaner {
  return function cleanEngagementRow(f: string[]): CleanValues | Reject {
    const userId = trimField(f[0]);
    if (userId === '') return REJECTS.MISSING_USER_ID;
    const action = trimField(f[1]).toLowerCase();
    if (action === '') return REJECTS.MISSING_ACTION_TYPE;
    if (!ACTIONS.has(action)) return REJECTS.INVALID_ACTION_TYPE;
    const rawTs = trimField(f[2]);
    if (rawTs === '') return REJECTS.MISSING_TIMESTAMP;
    const ts = readEventTimestamp(rawTs);
    if (ts === null) return REJECTS.INVALID_TIMESTAMP;
    const duration = readWhole(trimField(f[3]));
    if (duration !== duration) return REJECTS.INVALID_DURATION;
    return [userId, action, ts, duration === null ? null : String(duration)];
  };
}

/** A decimal ≥ 0 as written (digits, one optional '.'), else why not. */
function readMetricValue(raw: string): string | Reject {
  if (raw === '') return REJECTS.MISSING_METRIC_VALUE;
  let i = raw.charCodeAt(0) === 43 /* '+' */ ? 1 : 0;
  if (raw.charCodeAt(0) === 45 /* '-' */) {
    if (!/^-\d+(\.\d+)?$/.test(raw)) return REJECTS.INVALID_METRIC_VALUE;
    return Number(raw) === 0 ? '0' : REJECTS.NEGATIVE_METRIC_VALUE;
  }
  const start = i;
  let dots = 0;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 46) dots++;
    else if (!isDigit(c)) return REJECTS.INVALID_METRIC_VALUE;
  }
  const body = raw.slice(start);
  if (dots > 1 || body === '.' || body === '' || body.length > 30) return REJECTS.INVALID_METRIC_VALUE;
  return body;
}

export function createSystemMetricsCleaner(_ctx: CleanerContext): RowCleaner {
  return function cleanSystemMetricRow(f: string[]): CleanValues | Reject {
    const service = trimField(f[0]).toLowerCase();
    if (service === '') return REJECTS.MISSING_SERVICE_NAME;
    if (!SERVICES.has(service)) return REJECTS.INVALID_SERVICE_NAME;
    const metric = trimField(f[1]).toLowerCase();
    if (metric === '') return REJECTS.MISSING_METRIC_NAME;
    const value = readMetricValue(trimField(f[2]));
    if (value instanceof Reject) return value;
    const rawTs = trimField(f[3]);
    if (rawTs === '') return REJECTS.MISSING_TIMESTAMP;
    const ts = readEventTimestamp(rawTs);
    if (ts === null) return REJECTS.INVALID_TIMESTAMP;
    return [service, metric, value, ts];
  };
}
