import { changePct, cpa, cpc, ctr, cvr, figures, MetricSums, roas, roi, roundedRatio, ZERO_SUMS } from './marketing-metrics';

/** Sums from whole dollars (the examples) and plain counts. */
function sums(s: { cost?: number; revenue?: number; impressions?: number; clicks?: number; conversions?: number }): MetricSums {
  return {
    costCents: BigInt(Math.round((s.cost ?? 0) * 100)),
    revenueCents: BigInt(Math.round((s.revenue ?? 0) * 100)),
    impressions: BigInt(s.impressions ?? 0),
    clicks: BigInt(s.clicks ?? 0),
    conversions: BigInt(s.conversions ?? 0),
  };
}

describe('marketing metrics', () => {
  describe("the issue's known values", () => {
    it('should give ROI 50 when cost is 100 and revenue 150', () => {
      expect(roi(sums({ cost: 100, revenue: 150 }))).toBe(50);
    });

    it('should give CPC 2 when cost is 100 over 50 clicks', () => {
      expect(cpc(sums({ cost: 100, clicks: 50 }))).toBe(2);
    });

    it('should give CPA 10 when cost is 100 over 10 conversions', () => {
      expect(cpa(sums({ cost: 100, conversions: 10 }))).toBe(10);
    });

    it('should give CTR 5 when 50 clicks come from 1000 impressions', () => {
      expect(ctr(sums({ clicks: 50, impressions: 1000 }))).toBe(5);
    });

    it('should read cost 100 as 10000 cents when sums are built', () => {
      expect(sums({ cost: 100 }).costCents).toBe(10000n);
    });
  });

  describe('other formulas', () => {
    it('should give ROAS as revenue over cost when cost is positive', () => {
      expect(roas(sums({ cost: 100, revenue: 150 }))).toBe(1.5);
      expect(roas(sums({ cost: 3, revenue: 1 }))).toBe(0.3333);
    });

    it('should give CVR as conversions over clicks in percent when clicks are positive', () => {
      expect(cvr(sums({ clicks: 50, conversions: 10 }))).toBe(20);
      expect(cvr(sums({ clicks: 3, conversions: 2 }))).toBe(66.6667);
    });

    it('should give ROI -100 when there is cost and no revenue', () => {
      expect(roi(sums({ cost: 25 }))).toBe(-100);
    });
  });

  describe('zero denominators', () => {
    it.each([
      ['roi', () => roi(sums({ revenue: 10 }))],
      ['roas', () => roas(sums({ revenue: 10 }))],
      ['cpc', () => cpc(sums({ cost: 10 }))],
      ['cpa', () => cpa(sums({ cost: 10, clicks: 5 }))],
      ['ctr', () => ctr(sums({ clicks: 0 }))],
      ['cvr', () => cvr(sums({ conversions: 3, impressions: 10 }))],
    ])('should give null for %s when its denominator is 0', (_name, compute) => {
      expect(compute()).toBeNull();
    });

    it('should give null from roundedRatio when the denominator is 0n', () => {
      expect(roundedRatio(0n, 0n, 2)).toBeNull();
      expect(roundedRatio(5n, 0n, 4)).toBeNull();
    });
  });

  describe('rounding', () => {
    it('should round to 4 dp when the ROI does not terminate', () => {
      // (4 − 3) / 3 × 100 = 33.3333…
      expect(roi({ costCents: 3n, revenueCents: 4n })).toBe(33.3333);
      expect(roi({ costCents: 3n, revenueCents: 5n })).toBe(66.6667);
    });

    it('should round a half up at 4 dp when the ROI is positive', () => {
      // 1 / 128 × 100 = 0.78125 exactly.
      expect(roi({ costCents: 128n, revenueCents: 129n })).toBe(0.7813);
    });

    it('should round a half away from zero when the ROI is negative', () => {
      // Math.round(-7812.5) would give -7812.
      expect(roi({ costCents: 128n, revenueCents: 127n })).toBe(-0.7813);
      expect(roi({ costCents: 3n, revenueCents: 2n })).toBe(-33.3333);
    });

    it('should round money half up from exact cents when a float would land below the half', () => {
      // 201 cents / 2 clicks = $1.005; Math.round(1.005 * 100) / 100 gives 1.
      expect(cpc({ costCents: 201n, clicks: 2n })).toBe(1.01);
      expect(cpa({ costCents: 201n, conversions: 2n })).toBe(1.01);
      expect(cpc({ costCents: 200n, clicks: 3n })).toBe(0.67);
    });

    it('should round once when rounding twice would cross a half', () => {
      // 100 / 2000001 = 0.0000499999…: once → 0, via 5 dp (0.00005) → 0.0001.
      expect(ctr({ clicks: 1n, impressions: 2_000_001n })).toBe(0);
      expect(ctr({ clicks: 1n, impressions: 2_000_000n })).toBe(0.0001);
    });

    it('should stay exact when sums exceed 2^53', () => {
      const big = 2n ** 60n;
      expect(roas({ costCents: big, revenueCents: big + 1n })).toBe(1);
      expect(roi({ costCents: big, revenueCents: 3n * big })).toBe(200);
    });

    it('should honour the sign of either operand when roundedRatio is given negatives', () => {
      expect(roundedRatio(-1n, 8n, 2)).toBe(-0.13);
      expect(roundedRatio(1n, -8n, 2)).toBe(-0.13);
      expect(roundedRatio(-1n, -8n, 2)).toBe(0.13);
      expect(Object.is(roundedRatio(-1n, 1000n, 2), 0)).toBe(true);
    });
  });

  describe('figures', () => {
    it('should give every figure with money in dollars when sums are non-zero', () => {
      expect(figures(sums({ impressions: 1000, clicks: 50, conversions: 10, cost: 100, revenue: 150 }))).toEqual({
        impressions: 1000,
        clicks: 50,
        conversions: 10,
        cost: 100,
        revenue: 150,
        roi: 50,
        roas: 1.5,
        cpc: 2,
        cpa: 10,
        ctr: 5,
        cvr: 20,
      });
    });

    it('should keep cents in cost and revenue when they are not whole dollars', () => {
      const f = figures({ ...ZERO_SUMS, costCents: 12345n, revenueCents: 7n });
      expect([f.cost, f.revenue]).toEqual([123.45, 0.07]);
    });

    it('should give zeros and null ratios when the sums are all zero', () => {
      expect(figures(ZERO_SUMS)).toEqual({
        impressions: 0,
        clicks: 0,
        conversions: 0,
        cost: 0,
        revenue: 0,
        roi: null,
        roas: null,
        cpc: null,
        cpa: null,
        ctr: null,
        cvr: null,
      });
    });
  });

  describe('changePct', () => {
    it.each([
      [150, 100, 50],
      [50, 100, -50],
      [0, 100, -100],
      [100, 100, 0],
      [4, 3, 33.33],
      [2, 3, -33.33],
      [1, 3, -66.67],
      [10.5, 10, 5],
      [1, 0.3, 233.33],
    ])('should give %p vs %p as %p%% when the earlier value is non-zero', (later, earlier, expected) => {
      expect(changePct(later, earlier)).toBe(expected);
    });

    it.each([
      [5, 0],
      [0, 0],
      [null, 5],
      [5, null],
      [null, null],
    ])('should give null for %p vs %p when the earlier value is 0 or either is null', (later, earlier) => {
      expect(changePct(later, earlier)).toBeNull();
    });

    it('should give a positive change when a negative figure rises towards zero', () => {
      // Divided by |earlier|: the sign says which way the figure moved.
      expect(changePct(-25, -50)).toBe(50);
      expect(changePct(-75, -50)).toBe(-50);
      expect(changePct(10, -50)).toBe(120);
    });

    it('should give 0, not -0, when the change rounds to nothing', () => {
      expect(Object.is(changePct(100, 100.000001), 0)).toBe(true);
    });
  });
});
