import { anomalyDescription, DEFAULT_Z_THRESHOLD, HIGH_SEVERITY_Z, MIN_POINTS, SeriesPoint, seriesStats, zScoreAnomalies } from './zscore-anomalies';

/** Daily points from 2025-06-01 on. */
function series(values: number[]): SeriesPoint[] {
  return values.map((value, i) => ({ date: `2025-06-${String(i + 1).padStart(2, '0')}`, value }));
}

const repeat = (value: number, times: number): number[] => Array<number>(times).fill(value);

// Mean 10, Σ(v − mean)² = 36 over n − 1 = 9: sample sd exactly 2, so 15 has z exactly 2.5.
const Z_2_5 = [15, 8, ...repeat(9, 5), 11, 11, 10];
// Mirrored: 5 has z exactly −2.5.
const Z_MINUS_2_5 = Z_2_5.map((v) => 20 - v);
// Mean 10, Σ(v − mean)² = 60 over n − 1 = 15: sample sd exactly 2, so 17 has z exactly 3.5.
const Z_3_5 = [17, ...repeat(9, 9), 11, 11, ...repeat(10, 4)];
const COSTS = [300, 310, 295, 305, 290, 315, 300, 950, 310, 302, 298];

/** An independent plain computation: mean, sample sd, z, deviation %. */
function reference(values: number[], value: number) {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  const z = (value - mean) / sd;
  const pct = mean > 0 ? (Math.abs(value - mean) / mean) * 100 : 0;
  return { mean, sd, z, pct };
}

describe('z-score anomalies', () => {
  it('should use 7 points, 2.5 and 3.5 as the documented defaults', () => {
    expect([MIN_POINTS, DEFAULT_Z_THRESHOLD, HIGH_SEVERITY_Z]).toEqual([7, 2.5, 3.5]);
  });

  describe('no anomalies', () => {
    it('should give none when there are fewer than 7 points', () => {
      expect(zScoreAnomalies(series([0, 0, 0, 0, 0, 100]), 0.1)).toEqual([]);
      expect(seriesStats([1, 2, 3, 4, 5, 6])).toBeNull();
    });

    it('should consider a series when it has exactly 7 points', () => {
      // One spike among 7 points has z = 6 / √7 ≈ 2.27: under 2.5, over 2.
      expect(zScoreAnomalies(series([0, 0, 0, 0, 0, 0, 100]))).toEqual([]);
      expect(zScoreAnomalies(series([0, 0, 0, 0, 0, 0, 100]), 2)).toHaveLength(1);
    });

    it('should give none when every value is zero', () => {
      expect(zScoreAnomalies(series(repeat(0, 30)), 0)).toEqual([]);
    });

    it('should give none when the series is constant', () => {
      expect(zScoreAnomalies(series(repeat(7, 10)), 0)).toEqual([]);
    });

    it('should give none when a constant series leaves a float residue in the mean', () => {
      // Ten 0.1s average to 0.09999999999999999: a tiny non-zero sd without the guard.
      expect(zScoreAnomalies(series(repeat(0.1, 10)), 0)).toEqual([]);
      expect(seriesStats(repeat(0.1, 10))).toBeNull();
    });
  });

  describe('sample standard deviation', () => {
    it('should divide by n − 1 when computing the standard deviation', () => {
      const stats = seriesStats(Z_2_5);
      expect(stats).toEqual({ mean: 10, stdDev: 2 });
    });

    it('should not flag a point when only the population sd would put it over 2.5', () => {
      // 7 zeros and a 10: sample z = 7/√8 ≈ 2.475, population z = √7 ≈ 2.646.
      const values = [...repeat(0, 7), 10];
      const { mean } = reference(values, 10);
      const populationSd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
      expect((10 - mean) / populationSd).toBeGreaterThan(2.5);
      expect(zScoreAnomalies(series(values))).toEqual([]);
      expect(zScoreAnomalies(series(values), 2.47)).toEqual([expect.objectContaining({ value: 10, zScore: 2.4749 })]);
    });
  });

  describe('threshold and severity', () => {
    it('should count a point when |z| equals the threshold exactly', () => {
      expect(zScoreAnomalies(series(Z_2_5))).toEqual([
        {
          date: '2025-06-01',
          value: 15,
          expectedValue: 10,
          zScore: 2.5,
          severity: 'medium',
          direction: 'spike',
          deviationPct: 50,
          z: 2.5,
          mean: 10,
        },
      ]);
    });

    it('should not count the point when the threshold is just above its |z|', () => {
      expect(zScoreAnomalies(series(Z_2_5), 2.5000001)).toEqual([]);
    });

    it('should count a drop when z equals minus the threshold', () => {
      expect(zScoreAnomalies(series(Z_MINUS_2_5))).toEqual([expect.objectContaining({ value: 5, zScore: -2.5, severity: 'medium', direction: 'drop', deviationPct: 50 })]);
    });

    it('should be high when |z| is exactly 3.5', () => {
      expect(zScoreAnomalies(series(Z_3_5))).toEqual([expect.objectContaining({ value: 17, zScore: 3.5, severity: 'high', direction: 'spike' })]);
    });

    it('should be medium when |z| is just under 3.5', () => {
      const [a] = zScoreAnomalies(series(COSTS));
      expect(a.z).toBeLessThan(HIGH_SEVERITY_Z);
      expect(a.severity).toBe('medium');
    });

    it('should be high when a drop has |z| over 3.5', () => {
      const values = [...repeat(100, 19), -1000];
      const [a] = zScoreAnomalies(series(values));
      expect(a.z).toBeLessThan(-HIGH_SEVERITY_Z);
      expect([a.severity, a.direction]).toEqual(['high', 'drop']);
    });

    it('should list a spike and a drop in date order when both stand out', () => {
      const anomalies = zScoreAnomalies(series([...repeat(100, 9), 300, ...repeat(100, 9), -100]));
      expect(anomalies.map((a) => [a.date, a.direction])).toEqual([
        ['2025-06-10', 'spike'],
        ['2025-06-20', 'drop'],
      ]);
    });
  });

  describe('rounding', () => {
    it('should round expectedValue and zScore to 4 dp and keep z and mean unrounded', () => {
      const [a] = zScoreAnomalies(series(COSTS));
      const ref = reference(COSTS, 950);
      expect(a).toMatchObject({ value: 950, expectedValue: 361.3636, zScore: 3.0131, direction: 'spike' });
      expect(a.expectedValue).toBe(Math.round(ref.mean * 1e4) / 1e4);
      expect(a.zScore).toBe(Math.round(ref.z * 1e4) / 1e4);
      expect(a.mean).toBeCloseTo(ref.mean, 12);
      expect(a.z).toBeCloseTo(ref.z, 12);
      expect(a.deviationPct).toBeCloseTo(ref.pct, 10);
    });

    it('should round a negative zScore away from zero when the point is a drop', () => {
      const values = [300, 310, 295, 305, 290, 315, 300, 20, 310, 302, 298];
      const [a] = zScoreAnomalies(series(values));
      const ref = reference(values, 20);
      expect(a.zScore).toBe(-Math.round(-ref.z * 1e4) / 1e4);
      expect(a.zScore).toBeLessThan(-2.5);
    });
  });

  describe('anomalyDescription', () => {
    it("should give the replaced service's exact text when the point is a spike", () => {
      const [a] = zScoreAnomalies(series(COSTS));
      const { mean, z, pct } = reference(COSTS, 950);
      const expected = `Anomalous spike detected in cost for campaign. Value: 950.00 (expected: ${mean.toFixed(2)}, ` + `${pct.toFixed(1)}% deviation, Z-score: ${z.toFixed(2)})`;
      expect(anomalyDescription(a, 'cost', 'campaign')).toBe(expected);
      expect(expected).toBe('Anomalous spike detected in cost for campaign. Value: 950.00 (expected: 361.36, 162.9% deviation, Z-score: 3.01)');
    });

    it('should give a negative Z-score and the drop wording when the point is a drop', () => {
      const [a] = zScoreAnomalies(series(Z_MINUS_2_5));
      expect(anomalyDescription(a, 'clicks', 'ad')).toBe('Anomalous drop detected in clicks for ad. Value: 5.00 (expected: 10.00, 50.0% deviation, Z-score: -2.50)');
    });

    it('should give 0.0% deviation when the mean is zero or negative', () => {
      const zeroMean = Z_2_5.map((v) => v - 10);
      const negativeMean = Z_2_5.map((v) => v - 20);
      const [z] = zScoreAnomalies(series(zeroMean));
      const [n] = zScoreAnomalies(series(negativeMean));
      expect([z.deviationPct, n.deviationPct]).toEqual([0, 0]);
      expect(anomalyDescription(z, 'roi', 'platform')).toBe('Anomalous spike detected in roi for platform. Value: 5.00 (expected: 0.00, 0.0% deviation, Z-score: 2.50)');
      expect(anomalyDescription(n, 'roi', 'platform')).toBe('Anomalous spike detected in roi for platform. Value: -5.00 (expected: -10.00, 0.0% deviation, Z-score: 2.50)');
    });
  });
});
