import { Prng } from './prng';
import { pump } from './pump';

/**
 * Message status events for the `message-events` kind: realistic WhatsApp-style lifecycles.
 * Messages are created over a span of days with a daily curve (busy afternoons, quiet nights) and
 * several channels, templates and campaigns. Each is queued (most), sent a moment later, then
 * delivered after a lognormal delay (median 2 s) and read after another (median 4 min) by most
 * recipients — some read events come without a delivered one (WhatsApp sends only "read" when both
 * happen at once) — or failed with a real WhatsApp error code, or left pending. Events are written
 * in the order a webhook would receive them (event time plus a lognormal network delay), so some
 * arrive out of order; a share is re-sent (at-least-once delivery: DUPLICATE_EVENT); some delivered
 * events carry the provider's own delivery_latency_ms; a share of timestamps are epoch seconds.
 * Faults (errorRate) are spread over the reject codes. Memory is bounded by the messages in flight.
 *
 * Shape 'adversarial' pushes every limit of the default at once: 50,000 templates and 200,000
 * campaigns, long provider ids (wamid.HBgL… of 60+ characters), 10 % of events re-sent (some days
 * later), network delays of minutes (events far out of order), reads hours or days after delivery
 * (a message's events span many quarter hours and days), 15 % failures over every code, and
 * ISO timestamps with ±hh:mm offsets next to epoch seconds.
 */

export const MESSAGING_SHAPES = ['default', 'adversarial'] as const;
export type MessagingShape = (typeof MESSAGING_SHAPES)[number];

export const MESSAGING_HEADER = 'message_id,status,timestamp,channel,recipient_id,template_id,campaign_id,conversation_id,error_code,retry_count,delivery_latency_ms';

export const MESSAGING_FAULT_TYPES = ['MISSING_MESSAGE_ID', 'INVALID_STATUS', 'INVALID_TIMESTAMP', 'INVALID_RETRY_COUNT'] as const;
export type MessagingFaultType = (typeof MESSAGING_FAULT_TYPES)[number];

/** WhatsApp Cloud API failure codes, with how often each is picked. */
export const WHATSAPP_ERROR_CODES: ReadonlyArray<[string, number]> = [
  ['131026', 0.35], // message undeliverable
  ['131047', 0.25], // re-engagement window closed
  ['131051', 0.1], // unsupported message type
  ['131000', 0.1], // something went wrong
  ['131048', 0.1], // spam rate limit hit
  ['130472', 0.1], // user's number is part of an experiment
];

export interface MessagingGenOptions {
  /** Events to write (re-sent duplicates and faulty rows included). */
  events: number;
  seed?: number;
  /** Days the messages are created over, ending at `end` (default 30). */
  days?: number;
  /** End of the span, ISO 8601 (default 2025-06-30T00:00:00Z). */
  end?: string;
  errorRate?: number;
  /** Share of events re-sent later (default 0.01). */
  duplicateRate?: number;
  /** Share of messages that fail (default 0.02); delivery otherwise, bar `pendingRate`. */
  failureRate?: number;
  pendingRate?: number;
  /** 'adversarial': the limits above at once (the rates given here still win). */
  shape?: MessagingShape;
}

/** What a shape sets: the cardinalities and delays (medians in ms, lognormal σ). */
interface ShapeParams {
  templates: number;
  campaigns: number;
  isLongIds: boolean;
  networkMedianMs: number;
  networkSigma: number;
  resendMedianMs: number;
  readMedianMs: number;
  readSigma: number;
  isOffsetIso: boolean;
}

const SHAPES: Record<MessagingShape, ShapeParams> = {
  default: {
    templates: 24,
    campaigns: 60,
    isLongIds: false,
    networkMedianMs: 400,
    networkSigma: 1.2,
    resendMedianMs: 30_000,
    readMedianMs: 240_000,
    readSigma: 1.5,
    isOffsetIso: false,
  },
  adversarial: {
    templates: 50_000,
    campaigns: 200_000,
    isLongIds: true,
    networkMedianMs: 60_000,
    networkSigma: 2,
    resendMedianMs: 3 * 3_600_000,
    readMedianMs: 4 * 3_600_000,
    readSigma: 2,
    isOffsetIso: true,
  },
};

export interface MessagingGenResult {
  events: number;
  messages: number;
  bytes: number;
  duplicates: number;
  faultyRows: number;
  faultsByType: Record<MessagingFaultType, number>;
  first: string;
  last: string;
}

export const DEFAULT_MESSAGING_SEED = 1;
const DAY_MS = 86_400_000;
const CHANNELS: ReadonlyArray<[string, number]> = [
  ['whatsapp', 0.85],
  ['sms', 0.1],
  ['WhatsApp', 0.05],
];
const RECIPIENTS = 2_000_000;
/** Relative traffic per hour of day (UTC): quiet nights, busy afternoons. */
const HOURLY = [0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1, 1.4, 1.6, 1.7, 1.8, 1.9, 2, 2, 1.9, 1.8, 1.7, 1.5, 1.3, 1.1, 0.8, 0.5, 0.3];
const HOURLY_TOTAL = HOURLY.reduce((a, b) => a + b, 0);

interface PendingEvent {
  arriveMs: number;
  line: string;
  /** The event's own time. */
  atMs: number;
  fault: MessagingFaultType | null;
  isResend: boolean;
}

/** A min-heap of events by arrival time. */
class ArrivalQueue {
  private readonly items: PendingEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): PendingEvent | undefined {
    return this.items[0];
  }

  push(e: PendingEvent): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].arriveMs <= a[i].arriveMs) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  pop(): PendingEvent | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].arriveMs < a[m].arriveMs) m = l;
        if (r < a.length && a[r].arriveMs < a[m].arriveMs) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

class MessagingCsvGenerator {
  private readonly rng: Prng;
  private readonly startMs: number;
  private readonly endMs: number;
  private readonly queue = new ArrivalQueue();
  /** Creation time of the next message; messages are created in time order. */
  private clockMs: number;
  private readonly meanGapMs: number;
  private messages = 0;
  private written = 0;
  private bytes = 0;
  private duplicates = 0;
  private isHeaderDone = false;
  private firstMs = Infinity;
  private lastMs = -Infinity;
  private readonly faults = Object.fromEntries(MESSAGING_FAULT_TYPES.map((t) => [t, 0])) as Record<MessagingFaultType, number>;

  private readonly shape: ShapeParams;

  constructor(private readonly o: Required<MessagingGenOptions>) {
    this.shape = SHAPES[o.shape];
    this.rng = new Prng(`messaging:${o.seed}`);
    this.endMs = Date.parse(o.end);
    if (Number.isNaN(this.endMs)) throw new RangeError(`end is not a time: ${o.end}`);
    if (!Number.isSafeInteger(o.events) || o.events < 0) throw new RangeError('events must be a whole number ≥ 0');
    if (o.days <= 0) throw new RangeError('days must be > 0');
    this.startMs = this.endMs - o.days * DAY_MS;
    this.clockMs = this.startMs;
    // About 3.3 events a message (queued, sent, delivered, read, some re-sent).
    this.meanGapMs = (o.days * DAY_MS) / Math.max(1, o.events / 3.3);
  }

  nextChunk(): string | null {
    if (!this.isHeaderDone) {
      this.isHeaderDone = true;
      return this.count(MESSAGING_HEADER + '\n');
    }
    if (this.written >= this.o.events) {
      return null;
    }
    let out = '';
    for (let n = 0; n < 2000 && this.written < this.o.events; n++) {
      // Create messages until the earliest pending event arrives before the next creation.
      while (this.queue.size === 0 || this.queue.peek()!.arriveMs > this.clockMs) {
        this.createMessage();
      }
      const e = this.queue.pop()!;
      out += e.line;
      this.written++;
      // Counted as written: events still in flight when the file ends are not in it.
      if (e.fault) this.faults[e.fault]++;
      if (e.isResend) this.duplicates++;
      this.firstMs = Math.min(this.firstMs, e.atMs);
      this.lastMs = Math.max(this.lastMs, e.atMs);
    }
    return this.count(out);
  }

  result(): MessagingGenResult {
    return {
      events: this.written,
      messages: this.messages,
      bytes: this.bytes,
      duplicates: this.duplicates,
      faultyRows: Object.values(this.faults).reduce((a, b) => a + b, 0),
      faultsByType: { ...this.faults },
      first: this.written ? new Date(this.firstMs).toISOString() : '',
      last: this.written ? new Date(this.lastMs).toISOString() : '',
    };
  }

  private count(s: string): string {
    this.bytes += Buffer.byteLength(s);
    return s;
  }

  /** The next creation time: exponential gaps scaled by the hour's traffic, wrapping over the span. */
  private advanceClock(): number {
    const hour = new Date(this.clockMs).getUTCHours();
    const rate = HOURLY[hour] / (HOURLY_TOTAL / 24);
    this.clockMs += (-Math.log(1 - this.rng.float()) * this.meanGapMs) / rate;
    return this.clockMs;
  }

  private createMessage(): void {
    const r = this.rng;
    const created = this.advanceClock();
    const m = this.messages++;
    const short = `${((m * 2654435761) % 4294967296).toString(36)}${m.toString(36)}`;
    // Cloud API ids: base64 of the recipient and a message key, 60+ characters.
    const id = this.shape.isLongIds ? `wamid.HBgL${Buffer.from(`MTU1NTA${short}FQIAERgSQjZFM0Y5QTc0QkE1RDk0${short}`).toString('base64').replace(/=+$/, '')}` : `wamid.${short}`;
    const channel = pick(r, CHANNELS);
    const template = `tpl_${r.below(this.shape.templates)}`;
    const campaign = `cmp_${r.below(this.shape.campaigns)}`;
    const recipient = `1555${String(r.below(RECIPIENTS)).padStart(7, '0')}`;
    const conversation = `conv_${m.toString(36)}`;
    const base = { id, channel, template, campaign, recipient, conversation };
    const retries = r.chance(0.03) ? 1 + r.below(3) : 0;

    if (r.chance(0.7)) this.emit(base, 'queued', created, retries);
    const sentMs = created + r.lognormal(Math.log(800), 0.6);
    const fate = r.float();
    if (fate < this.o.failureRate) {
      const failedMs = sentMs + r.lognormal(Math.log(3000), 1);
      this.emit(base, 'sent', sentMs, retries);
      this.emit(base, r.chance(0.1) ? 'undelivered' : 'failed', failedMs, retries, pick(r, WHATSAPP_ERROR_CODES));
      return;
    }
    if (!r.chance(0.04)) this.emit(base, r.chance(0.05) ? 'sending' : 'sent', sentMs, retries);
    if (fate < this.o.failureRate + this.o.pendingRate) return;
    const deliveredMs = sentMs + r.lognormal(Math.log(2000), 0.9);
    const isRead = r.chance(0.65);
    // WhatsApp sends only "read" when delivery and reading happen together.
    if (!isRead || !r.chance(0.05)) {
      const latency = r.chance(0.2) ? String(Math.round(deliveredMs - sentMs)) : '';
      this.emit(base, 'delivered', deliveredMs, retries, '', latency);
    }
    if (isRead) this.emit(base, 'read', deliveredMs + r.lognormal(Math.log(this.shape.readMedianMs), this.shape.readSigma), retries);
  }

  private emit(
    m: { id: string; channel: string; template: string; campaign: string; recipient: string; conversation: string },
    status: string,
    atMs: number,
    retries: number,
    error = '',
    latency = '',
  ): void {
    const r = this.rng;
    const at = Math.round(atMs);
    // A quarter as epoch seconds (as WhatsApp sends them), the rest ISO 8601, some without milliseconds.
    const ts = r.chance(0.25)
      ? String(Math.floor(at / 1000))
      : this.shape.isOffsetIso && r.chance(0.5)
        ? withOffset(at, r)
        : new Date(r.chance(0.25) ? at - (at % 1000) : at).toISOString();
    let fields = [m.id, status, ts, m.channel, m.recipient, m.template, m.campaign, m.conversation, error, retries ? String(retries) : '', latency];
    const fault = this.o.errorRate > 0 && r.chance(this.o.errorRate) ? MESSAGING_FAULT_TYPES[r.below(MESSAGING_FAULT_TYPES.length)] : null;
    if (fault) {
      fields = faulty(fault, fields);
    }
    const line = fields.join(',') + '\n';
    const arrive = at + r.lognormal(Math.log(this.shape.networkMedianMs), this.shape.networkSigma);
    this.queue.push({ arriveMs: arrive, line, atMs: at, fault, isResend: false });
    // A faulty row sent twice would be rejected twice for its fault, not as a repeat.
    if (!fault && r.chance(this.o.duplicateRate)) {
      // Re-sent later by the provider, identical.
      this.queue.push({ arriveMs: arrive + r.lognormal(Math.log(this.shape.resendMedianMs), 1.5), line, atMs: at, fault: null, isResend: true });
    }
  }
}

function pick<T>(r: Prng, weighted: ReadonlyArray<[T, number]>): T {
  let x = r.float() * weighted.reduce((a, [, w]) => a + w, 0);
  for (const [v, w] of weighted) {
    if ((x -= w) < 0) return v;
  }
  return weighted[weighted.length - 1][0];
}

/** The instant as local time at a whole or half-hour offset from −12:00 to +14:00, written with it. */
function withOffset(atMs: number, r: Prng): string {
  const offsetMin = (r.below(53) - 24) * 30;
  const local = new Date(atMs + offsetMin * 60_000).toISOString().slice(0, 23);
  const abs = Math.abs(offsetMin);
  return `${local}${offsetMin < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function faulty(fault: MessagingFaultType, fields: string[]): string[] {
  const f = [...fields];
  if (fault === 'MISSING_MESSAGE_ID') f[0] = '';
  else if (fault === 'INVALID_STATUS') f[1] = 'seen';
  else if (fault === 'INVALID_TIMESTAMP') f[2] = '31/12/2024 25:61';
  else f[9] = '-1';
  return f;
}

function generator(opts: MessagingGenOptions): MessagingCsvGenerator {
  const isAdversarial = opts.shape === 'adversarial';
  return new MessagingCsvGenerator({
    events: opts.events,
    seed: opts.seed ?? DEFAULT_MESSAGING_SEED,
    days: opts.days ?? 30,
    end: opts.end ?? '2025-06-30T00:00:00Z',
    errorRate: opts.errorRate ?? 0.005,
    duplicateRate: opts.duplicateRate ?? (isAdversarial ? 0.1 : 0.01),
    failureRate: opts.failureRate ?? (isAdversarial ? 0.15 : 0.02),
    pendingRate: opts.pendingRate ?? 0.005,
    shape: opts.shape ?? 'default',
  });
}

/** Writes a message-events CSV to `out` (not ended); returns what was written. */
export async function writeMessagingCsv(out: NodeJS.WritableStream, opts: MessagingGenOptions): Promise<MessagingGenResult> {
  const gen = generator(opts);
  await pump(out, () => gen.nextChunk());
  return gen.result();
}

/** The whole file as one string (tests and small fixtures). */
export function messagingCsvString(opts: MessagingGenOptions): { csv: string } & MessagingGenResult {
  const gen = generator(opts);
  let csv = '';
  for (let chunk = gen.nextChunk(); chunk !== null; chunk = gen.nextChunk()) csv += chunk;
  return { csv, ...gen.result() };
}
