/**
 * The z-score rule of the marketing anomalies: over an entity's daily series (zero-filled), mean
 * and SAMPLE standard deviation; a point is anomalous when |z| ≥ threshold (2.5 by default),
 * `high` when |z| ≥ 3.5, else `medium`. Fewer than 7 points, all zeros, or a standard deviation
 * of 0 give no anomalies (nothing to stand out from).
 */

export const MIN_POINTS = 7;
export const DEFAULT_Z_THRESHOLD = 2.5;
export const HIGH_SEVERITY_Z = 3.5;

export interface SeriesPoint {
  date: string;
  value: number;
}

export interface ZScoreAnomaly {
  date: string;
  value: number;
  /** The series mean, 4 dp. */
  expectedValue: number;
  /** 4 dp. */
  zScore: number;
  severity: 'high' | 'medium';
  direction: 'spike' | 'drop';
  /** |value − mean| / mean × 100 (0 when mean ≤ 0), unrounded. */
  deviationPct: number;
  /** Unrounded z, for the description's 2-dp figure. */
  z: number;
  mean: number;
}

export function seriesStats(values: number[]): { mean: number; stdDev: number } | null {
  const n = values.length;
  if (n < MIN_POINTS || values.every((v) => v === 0)) {
    return null;
  }
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const squares = values.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  const stdDev = Math.sqrt(squares / (n - 1));
  // A constant series can leave a rounding residue: treat a deviation below 1e-12 of the scale as none.
  if (!(stdDev > 1e-12 * Math.max(1, Math.abs(mean)))) {
    return null;
  }
  return { mean, stdDev };
}

/** The anomalous points of `series`, in date order. */
export function zScoreAnomalies(series: SeriesPoint[], threshold = DEFAULT_Z_THRESHOLD): ZScoreAnomaly[] {
  const stats = seriesStats(series.map((p) => p.value));
  if (!stats) {
    return [];
  }
  const { mean, stdDev } = stats;
  const out: ZScoreAnomaly[] = [];
  for (const p of series) {
    const z = (p.value - mean) / stdDev;
    if (Math.abs(z) < threshold) {
      continue;
    }
    out.push({
      date: p.date,
      value: p.value,
      expectedValue: round(mean, 4),
      zScore: round(z, 4),
      severity: Math.abs(z) >= HIGH_SEVERITY_Z ? 'high' : 'medium',
      direction: p.value > mean ? 'spike' : 'drop',
      deviationPct: mean > 0 ? (Math.abs(p.value - mean) / mean) * 100 : 0,
      z,
      mean,
    });
  }
  return out;
}

/** The description the replaced service gave, word for word. */
export function anomalyDescription(a: ZScoreAnomaly, metric: string, entityType: string): string {
  return (
    `Anomalous ${a.direction} detected in ${metric} for ${entityType}. Value: ${a.value.toFixed(2)} ` +
    `(expected: ${a.mean.toFixed(2)}, ${a.deviationPct.toFixed(1)}% deviation, Z-score: ${a.z.toFixed(2)})`
  );
}

function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return (Math.sign(v) * Math.round(Math.abs(v) * f)) / f || 0;
}
