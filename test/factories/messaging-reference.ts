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
  queued: 'queued', sent: 'sent', sending: 'sent', delivered: 'delivered', read: 'read', failed: 'failed', undelivered: 'failed',
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
