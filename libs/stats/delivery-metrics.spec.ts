import { deliveryFigures, deliverySummary, percentileCont, percentOf } from './delivery-metrics';

describe('delivery metrics', () => {
  describe('deliveryFigures', () => {
    it('should give the rates to 2 dp from whole counts, pending as the rest', () => {
      expect(deliveryFigures({ messages: 1000, sent: 995, delivered: 990, read: 600, failed: 4 })).toEqual({
        messages: 1000,
        sent: 995,
        delivered: 990,
        read: 600,
        failed: 4,
        pending: 6,
        delivery_rate: 99,
        read_rate: 60.61,
        sla_met: true,
      });
      // 2/3 = 66.666… → 66.67; 1/8 = 12.5 exactly.
      expect(deliveryFigures({ messages: 3, sent: 3, delivered: 2, read: 0, failed: 1 }).delivery_rate).toBe(66.67);
      expect(deliveryFigures({ messages: 8, sent: 8, delivered: 8, read: 1, failed: 0 }).read_rate).toBe(12.5);
    });

    it('should round half away from zero once: 98.995 shows as 99 and meets the SLA', () => {
      const f = deliveryFigures({ messages: 20000, sent: 20000, delivered: 19799, read: 0, failed: 0 });
      expect(f.delivery_rate).toBe(99);
      expect(f.sla_met).toBe(true);
      expect(deliveryFigures({ messages: 20000, sent: 20000, delivered: 19797, read: 0, failed: 0 })).toMatchObject({ delivery_rate: 98.99, sla_met: false });
    });

    it('should give 0 rates when there is nothing to divide by', () => {
      expect(deliveryFigures({ messages: 0, sent: 0, delivered: 0, read: 0, failed: 0 })).toMatchObject({ delivery_rate: 0, read_rate: 0, pending: 0, sla_met: false });
      expect(deliveryFigures({ messages: 5, sent: 5, delivered: 0, read: 0, failed: 5 })).toMatchObject({ delivery_rate: 0, read_rate: 0 });
    });

    it('should refuse a row with delivered + failed above the total, read above delivered, or negative counts', () => {
      expect(() => deliveryFigures({ messages: 10, sent: 10, delivered: 8, read: 0, failed: 3 })).toThrow(RangeError);
      expect(() => deliveryFigures({ messages: 10, sent: 10, delivered: 5, read: 6, failed: 0 })).toThrow(RangeError);
      expect(() => deliveryFigures({ messages: 10, sent: -1, delivered: 5, read: 0, failed: 0 })).toThrow(RangeError);
    });
  });

  describe('percentileCont', () => {
    it('should interpolate linearly between closest ranks, as Postgres percentile_cont', () => {
      expect(percentileCont([1, 2, 3, 4], 50)).toBe(2.5);
      expect(percentileCont([10, 20, 30, 40, 50], 90)).toBe(46);
      expect(percentileCont([4, 1, 3, 2], 25)).toBe(1.75);
      expect(percentileCont([7], 99)).toBe(7);
      expect(percentileCont([], 50)).toBeNull();
    });
  });

  describe('deliverySummary', () => {
    const bucket = (messages: number, delivered: number, failed = 0) => deliveryFigures({ messages, sent: messages, delivered, read: 0, failed });

    it('should give SLA compliance 1.0 and no breaches when every rate is at least 99', () => {
      const s = deliverySummary([bucket(100, 99), bucket(200, 200), bucket(1000, 995)]);
      expect(s).toMatchObject({ sla_compliance: 1, critical_breaches: 0, threshold_breaches: { '99': 0, '97': 0, '95': 0 } });
    });

    it('should work out a mixed window by hand', () => {
      // Rates 100, 98, 96, 90 (messages 100 each): overall 384/400 = 96; mean 96; population σ = sqrt((16+4+0+36)/4) = sqrt(14) ≈ 3.74.
      const s = deliverySummary([bucket(100, 100), bucket(100, 98, 1), bucket(100, 96, 2), bucket(100, 90, 5)]);
      expect(s).toEqual({
        buckets: 4,
        messages: 400,
        delivered: 384,
        read: 0,
        failed: 8,
        pending: 8,
        overall_delivery_rate: 96,
        average_delivery_rate: 96,
        std_deviation: 3.74,
        sla_target: 99,
        sla_compliance: 0.25,
        threshold_breaches: { '99': 0.75, '97': 0.5, '95': 0.25 },
        critical_breaches: 0.25,
        // Sorted 90, 96, 98, 100: p25 at rank 0.75 → 94.5; p50 → 97; p75 at 2.25 → 98.5; p90 at 2.7 → 99.4; p95 at 2.85 → 99.7; p99 at 2.97 → 99.94.
        rate_percentiles: { p25: 94.5, p50: 97, p75: 98.5, p90: 99.4, p95: 99.7, p99: 99.94 },
      });
    });

    it('should weigh the overall rate by messages, not by buckets', () => {
      const s = deliverySummary([bucket(1, 0), bucket(999, 999)]);
      expect(s.overall_delivery_rate).toBe(99.9);
      expect(s.average_delivery_rate).toBe(50);
    });

    it('should answer an empty window with zeros and no percentiles', () => {
      const s = deliverySummary([]);
      expect(s).toMatchObject({ buckets: 0, messages: 0, overall_delivery_rate: 0, sla_compliance: 0, rate_percentiles: { p50: null } });
    });
  });

  it('should give percentOf 0 for a zero denominator', () => {
    expect(percentOf(3, 0)).toBe(0);
    expect(percentOf(1, 3)).toBe(33.33);
  });
});
