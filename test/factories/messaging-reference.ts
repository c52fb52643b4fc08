import { parseRecords } from '../../libs/datagen/parsed-csv.spec-helper';

/**
 * An independent computation of message outcomes from raw message-events CSV files, in plain
 * TypeScript (no SQL, not the product's cleaner): the reference the messaging e2e tests compare
 * the product with. Files must hold no faulty rows (the generator with errorRate 0).
 */

export interface RefEvent {
  messageId: string;
  status: 'queued' | 'sent' | 'delivered' | 'read' | 'failed';
  ms: number;
  channel: string;
  templateId: string | null;
  campaignId: string | null;
  errorCode: string | null;
  latencyMs: number | null;
}

export interface RefOutcome {
  messageId: string;
  firstMs: number;
  firstSentMs: number | null;
  firstDeliveredMs: number | null;
  isRead: boolean;
  isFailed: boolean;
  errorCode: string | null;
  providerLatencyMs: number | null;
  channel: string;
  templateId: string | null;
  campaignId: string | null;
  events: number;
}

const STATUS: Record<string, RefEvent['status']> = {
  queued: 'queued',
  sent: 'sent',
  sending: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  undelivered: 'failed',
};

/** Epoch seconds (digits, optional fraction) or ISO 8601 (no offset: UTC), as milliseconds (µs kept as a fraction). */
export function refTimestampMs(raw: string): number {
  const s = raw.trim();
  if (/^\d+(\.\d+)?$/.test(s)) {
    return Number(s) * 1000;
  }
  const hasZone = /(Z|[+-]\d\d(:?\d\d)?)$/i.test(s);
  const ms = Date.parse(hasZone ? s : `${s.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new Error(`reference: not a timestamp: ${raw}`);
  return ms;
}

/** The events of CSV files (header first), each (message, status, instant) once. */
export function refEvents(csvFiles: string[]): RefEvent[] {
  const seen = new Set<string>();
  const events: RefEvent[] = [];
  for (const csv of csvFiles) {
    const [header, ...rows] = parseRecords(csv);
    const col = (name: string) => header.indexOf(name);
    const at = (r: string[], name: string) => (col(name) >= 0 ? (r[col(name)] ?? '').trim() : '');
    for (const r of rows) {
      const e: RefEvent = {
        messageId: at(r, 'message_id'),
        status: STATUS[at(r, 'status').toLowerCase()],
        ms: refTimestampMs(at(r, 'timestamp')),
        channel: at(r, 'channel').toLowerCase() || 'whatsapp',
        templateId: at(r, 'template_id') || null,
        campaignId: at(r, 'campaign_id') || null,
        errorCode: at(r, 'error_code') || null,
        latencyMs: at(r, 'delivery_latency_ms') === '' ? null : Number(at(r, 'delivery_latency_ms')),
      };
      if (!e.status) throw new Error(`reference: unknown status in ${r.join(',')}`);
      const key = `${e.messageId}|${e.status}|${e.ms}`;
      if (!seen.has(key)) {
        seen.add(key);
        events.push(e);
      }
    }
  }
  return events;
}

const minOf = <T>(values: T[]): T | null => (values.length === 0 ? null : values.reduce((a, b) => (b < a ? b : a)));

/** One outcome per message, from all its events. */
export function refOutcomes(events: RefEvent[]): Map<string, RefOutcome> {
  const byMessage = new Map<string, RefEvent[]>();
  for (const e of events) {
    const list = byMessage.get(e.messageId);
    if (list) list.push(e);
    else byMessage.set(e.messageId, [e]);
  }
  const out = new Map<string, RefOutcome>();
  for (const [messageId, list] of byMessage) {
    const ms = (pred: (e: RefEvent) => boolean) => minOf(list.filter(pred).map((e) => e.ms));
    const isDelivery = (e: RefEvent) => e.status === 'delivered' || e.status === 'read';
    out.set(messageId, {
      messageId,
      firstMs: ms(() => true)!,
      firstSentMs: ms((e) => e.status === 'sent'),
      firstDeliveredMs: ms(isDelivery),
      isRead: list.some((e) => e.status === 'read'),
      isFailed: list.some((e) => e.status === 'failed'),
      errorCode: minOf(list.filter((e) => e.status === 'failed' && e.errorCode !== null).map((e) => e.errorCode!)),
      providerLatencyMs: minOf(list.filter((e) => isDelivery(e) && e.latencyMs !== null).map((e) => e.latencyMs!)),
      channel: minOf(list.map((e) => e.channel))!,
      templateId: minOf(list.filter((e) => e.templateId !== null).map((e) => e.templateId!)),
      campaignId: minOf(list.filter((e) => e.campaignId !== null).map((e) => e.campaignId!)),
      events: list.length,
    });
  }
  return out;
}

export interface RefBucket {
  /** Local wall time of the bucket start, YYYY-MM-DDTHH:MM:SS. */
  local: string;
  messages: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  pending: number;
  delivery_rate: number;
  read_rate: number;
  sla_met: boolean;
  latency_ms: { p50: number | null; p90: number | null; p95: number | null; p99: number | null };
}

export interface RefWindow {
  fromMs: number;
  toMs: number;
  tz: string;
  granularity: 'hourly' | 'daily' | 'weekly';
  channel?: string;
  templateId?: string;
  campaignId?: string;
}

/** Local wall-clock parts of an instant in `tz`, from Intl. */
function localParts(ms: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number; weekday: number } {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    weekday: 'short',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday);
  return { y: +p.year, mo: +p.month, d: +p.day, h: +p.hour, mi: +p.minute, s: +p.second, weekday };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local start (wall time text) of the bucket an instant falls in, and a key that tells buckets apart. */
export function bucketOf(ms: number, tz: string, granularity: RefWindow['granularity']): { key: string; local: string } {
  const l = localParts(ms, tz);
  if (granularity === 'hourly') {
    // The instant truncated to its local hour: two real hours sharing a wall hour (a DST fall-back) stay apart.
    const start = Math.floor(ms / 1000) * 1000 - (l.mi * 60 + l.s) * 1000;
    return { key: String(start), local: `${l.y}-${pad(l.mo)}-${pad(l.d)}T${pad(l.h)}:00:00` };
  }
  let date = Date.UTC(l.y, l.mo - 1, l.d);
  if (granularity === 'weekly') date -= l.weekday * 86_400_000;
  const local = `${new Date(date).toISOString().slice(0, 10)}T00:00:00`;
  return { key: local, local };
}

/** round(num × 100 / den, 2 dp) half up from whole numbers; 0 when den is 0. */
function pct(num: number, den: number): number {
  if (den === 0) return 0;
  const n = num * 10_000;
  const q = Math.floor(n / den);
  return (2 * (n - q * den) >= den ? q + 1 : q) / 100;
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const v = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  return Math.round(v * 100) / 100;
}

/** Delivery buckets over outcomes: each message in the bucket of its first event, buckets with messages, in time order. */
export function refDelivery(outcomes: Map<string, RefOutcome>, w: RefWindow): RefBucket[] {
  const groups = new Map<string, { local: string; first: number; list: RefOutcome[] }>();
  for (const o of outcomes.values()) {
    if (o.firstMs < w.fromMs || o.firstMs >= w.toMs) continue;
    if (w.channel !== undefined && o.channel !== w.channel) continue;
    if (w.templateId !== undefined && o.templateId !== w.templateId) continue;
    if (w.campaignId !== undefined && o.campaignId !== w.campaignId) continue;
    const b = bucketOf(o.firstMs, w.tz, w.granularity);
    const g = groups.get(b.key) ?? { local: b.local, first: o.firstMs, list: [] };
    g.first = Math.min(g.first, o.firstMs);
    g.list.push(o);
    groups.set(b.key, g);
  }
  return [...groups.values()]
    .sort((a, b) => a.first - b.first)
    .map(({ local, list }) => {
      const delivered = list.filter((o) => o.firstDeliveredMs !== null);
      const failed = list.filter((o) => o.isFailed && o.firstDeliveredMs === null).length;
      const read = list.filter((o) => o.isRead).length;
      const latencies = delivered
        .map((o) => (o.firstSentMs !== null ? Math.max(0, o.firstDeliveredMs! - o.firstSentMs) : o.providerLatencyMs))
        .filter((v): v is number => v !== null)
        .sort((a, b) => a - b);
      const rate = pct(delivered.length, list.length);
      return {
        local,
        messages: list.length,
        sent: list.filter((o) => o.firstSentMs !== null || o.firstDeliveredMs !== null).length,
        delivered: delivered.length,
        read,
        failed,
        pending: list.length - delivered.length - failed,
        delivery_rate: rate,
        read_rate: pct(read, delivered.length),
        sla_met: rate >= 99,
        latency_ms: { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p95: percentile(latencies, 0.95), p99: percentile(latencies, 0.99) },
      };
    });
}
