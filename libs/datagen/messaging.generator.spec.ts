import { createMessageEventsCleaner, Reject } from '../cleaners';
import { MESSAGING_HEADER, messagingCsvString, WHATSAPP_ERROR_CODES } from './messaging.generator';
import { parseRecords } from './parsed-csv.spec-helper';

const clean = createMessageEventsCleaner({ now: new Date('2025-07-01T00:00:00.000Z') });

describe('messaging generator', () => {
  const opts = { events: 20_000, seed: 7, days: 3, end: '2025-06-30T00:00:00Z' };
  const { csv, ...result } = messagingCsvString(opts);
  const records = parseRecords(csv);
  const rows = records.slice(1);
  const cleaned = rows.map((r) => clean(r));
  const good = cleaned.filter((c): c is (string | null)[] => !(c instanceof Reject));

  it('should write the header and exactly the events asked for', () => {
    expect(records[0]).toEqual(MESSAGING_HEADER.split(','));
    expect(rows).toHaveLength(20_000);
    expect(result.events).toBe(20_000);
    expect(result.messages).toBeGreaterThan(4_000);
  });

  it('should give the same file for the same seed and another for another seed', () => {
    expect(messagingCsvString(opts).csv).toBe(csv);
    expect(messagingCsvString({ ...opts, seed: 8 }).csv).not.toBe(csv);
  });

  it('should reject only the faulty rows it counted', () => {
    const rejects = cleaned.filter((c) => c instanceof Reject);
    expect(rejects).toHaveLength(result.faultyRows);
    expect(result.faultyRows).toBeGreaterThan(0);
    for (const [fault, n] of Object.entries(result.faultsByType)) {
      expect(rejects.filter((r) => r.reason === fault)).toHaveLength(n);
    }
  });

  it('should re-send some events identically (at-least-once delivery)', () => {
    const keys = good.map((c) => `${c[0]}|${c[1]}|${c[2]}`);
    const repeats = keys.length - new Set(keys).size;
    expect(repeats).toBeGreaterThan(0);
    expect(repeats).toBeLessThanOrEqual(result.duplicates);
  });

  it('should hold every status, Twilio words, real error codes, epoch timestamps and provider latencies', () => {
    const raw = new Set(rows.map((r) => r[1]));
    for (const s of ['queued', 'sent', 'delivered', 'read', 'failed', 'sending', 'undelivered']) expect(raw).toContain(s);
    const codes = new Set(good.filter((c) => c[1] === 'failed').map((c) => c[8]));
    expect([...codes].every((c) => WHATSAPP_ERROR_CODES.some(([code]) => code === c))).toBe(true);
    expect(codes.size).toBeGreaterThan(3);
    expect(rows.some((r) => /^\d+$/.test(r[2]))).toBe(true);
    expect(good.some((c) => c[1] === 'delivered' && c[10] !== null)).toBe(true);
    expect(new Set(good.map((c) => c[3]))).toEqual(new Set(['whatsapp', 'sms']));
  });

  it('should deliver most messages, read some without a delivered event, and let events arrive out of order', () => {
    const byMessage = new Map<string, string[]>();
    for (const c of good) byMessage.set(c[0]!, [...(byMessage.get(c[0]!) ?? []), c[1]!]);
    const statuses = [...byMessage.values()];
    const delivered = statuses.filter((s) => s.includes('delivered') || s.includes('read')).length;
    expect(delivered / statuses.length).toBeGreaterThan(0.9);
    expect(statuses.some((s) => s.includes('read') && !s.includes('delivered'))).toBe(true);
    // Out of order: an event earlier in time than one written before it, for the same message.
    const seen = new Map<string, string>();
    let isReordered = false;
    for (const c of good) {
      const before = seen.get(c[0]!);
      if (before !== undefined && c[2]! < before) isReordered = true;
      if (before === undefined || c[2]! > before) seen.set(c[0]!, c[2]!);
    }
    expect(isReordered).toBe(true);
  });

  it('should spread the messages over the days with a daily curve', () => {
    const hours = new Array(24).fill(0);
    for (const c of good) hours[Number(c[2]!.slice(11, 13))]++;
    expect(Math.max(...hours.slice(12, 17))).toBeGreaterThan(5 * Math.min(...hours.slice(1, 4)));
    const days = new Set(good.map((c) => c[2]!.slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(3);
  });

  describe('adversarial shape', () => {
    const adv = messagingCsvString({ ...opts, shape: 'adversarial' });
    const advRows = parseRecords(adv.csv).slice(1);
    const advGood = advRows.map((r) => clean(r)).filter((c): c is (string | null)[] => !(c instanceof Reject));
    const firstEvent = new Map<string, number>();
    const lastEvent = new Map<string, number>();
    for (const c of advGood) {
      const ms = Date.parse(c[2]!);
      firstEvent.set(c[0]!, Math.min(firstEvent.get(c[0]!) ?? Infinity, ms));
      lastEvent.set(c[0]!, Math.max(lastEvent.get(c[0]!) ?? -Infinity, ms));
    }

    it('should push every limit: ids, cardinalities, re-sends, failures, offsets, spans', () => {
      expect(advRows).toHaveLength(20_000);
      // Every row still cleans but the counted faults.
      expect(advRows.length - advGood.length).toBe(adv.faultyRows);
      expect(Math.min(...advGood.map((c) => c[0]!.length))).toBeGreaterThan(60);
      expect(new Set(advGood.map((c) => c[5])).size).toBeGreaterThan(3_000);
      expect(new Set(advGood.map((c) => c[6])).size).toBeGreaterThan(4_000);
      expect(adv.duplicates).toBeGreaterThan(advGood.length * 0.08);
      expect(advGood.filter((c) => c[1] === 'failed').length).toBeGreaterThan(advGood.length * 0.03);
      expect(advRows.some((r) => /[+-]\d{2}:\d{2}$/.test(r[2]) && !r[2].endsWith('+00:00'))).toBe(true);
      // Reads hours to days later: some messages' events span more than a day.
      const spans = [...firstEvent].map(([id, first]) => lastEvent.get(id)! - first);
      expect(spans.filter((ms) => ms > 86_400_000).length).toBeGreaterThan(10);
    });

    it('should let events arrive far out of order', () => {
      let late = 0;
      let latest = -Infinity;
      for (const c of advGood) {
        const ms = Date.parse(c[2]!);
        if (ms < latest - 600_000) late++;
        latest = Math.max(latest, ms);
      }
      expect(late).toBeGreaterThan(advGood.length * 0.05);
    });
  });
});
