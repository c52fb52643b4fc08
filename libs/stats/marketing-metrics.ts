/**
 * The ad-performance formulas, from exact sums (money in integer cents), each rounded once, half
 * away from zero: ROI = (revenue − cost) / cost × 100, ROAS = revenue / cost, CPC = cost / clicks,
 * CPA = cost / conversions, CTR = clicks / impressions × 100, CVR = conversions / clicks × 100.
 * Money (cost, revenue, CPC, CPA) to 2 dp; ROI, ROAS, CTR and CVR to 4 dp. A zero denominator
 * gives null: the ratio is undefined, not 0.
 */

export interface MetricSums {
  impressions: bigint;
  clicks: bigint;
  conversions: bigint;
  costCents: bigint;
  revenueCents: bigint;
}

export interface MetricFigures {
  impressions: number;
  clicks: number;
  conversions: number;
  cost: number;
  revenue: number;
  roi: number | null;
  roas: number | null;
  cpc: number | null;
  cpa: number | null;
  ctr: number | null;
  cvr: number | null;
}

export const ZERO_SUMS: Readonly<MetricSums> = { impressions: 0n, clicks: 0n, conversions: 0n, costCents: 0n, revenueCents: 0n };

/** round(num / den, decimals), halves away from zero, as a number; null when den is 0. */
export function roundedRatio(num: bigint, den: bigint, decimals: number): number | null {
  if (den === 0n) {
    return null;
  }
  const scale = 10n ** BigInt(decimals);
  const sign = num < 0n !== den < 0n ? -1n : 1n;
  const n = (num < 0n ? -num : num) * scale;
  const d = den < 0n ? -den : den;
  const q = (2n * n + d) / (2n * d);
  return Number(sign * q) / Number(scale);
}

export function roi(s: Pick<MetricSums, 'costCents' | 'revenueCents'>): number | null {
  return roundedRatio((s.revenueCents - s.costCents) * 100n, s.costCents, 4);
}

export function roas(s: Pick<MetricSums, 'costCents' | 'revenueCents'>): number | null {
  return roundedRatio(s.revenueCents, s.costCents, 4);
}

export function cpc(s: Pick<MetricSums, 'costCents' | 'clicks'>): number | null {
  return roundedRatio(s.costCents, s.clicks * 100n, 2);
}

export function cpa(s: Pick<MetricSums, 'costCents' | 'conversions'>): number | null {
  return roundedRatio(s.costCents, s.conversions * 100n, 2);
}

export function ctr(s: Pick<MetricSums, 'clicks' | 'impressions'>): number | null {
  return roundedRatio(s.clicks * 100n, s.impressions, 4);
}

export function cvr(s: Pick<MetricSums, 'conversions' | 'clicks'>): number | null {
  return roundedRatio(s.conversions * 100n, s.clicks, 4);
}

/** Every figure of a set of sums. */
export function figures(s: MetricSums): MetricFigures {
  return {
    impressions: Number(s.impressions),
    clicks: Number(s.clicks),
    conversions: Number(s.conversions),
    cost: Number(s.costCents) / 100,
    revenue: Number(s.revenueCents) / 100,
    roi: roi(s),
    roas: roas(s),
    cpc: cpc(s),
    cpa: cpa(s),
    ctr: ctr(s),
    cvr: cvr(s),
  };
}

/** (later − earlier) / |earlier| × 100 to 2 dp (so the sign says which way it moved, also for negative figures); null when either is null or earlier is 0. */
export function changePct(later: number | null, earlier: number | null): number | null {
  if (later === null || earlier === null || earlier === 0) {
    return null;
  }
  const pct = ((later - earlier) / Math.abs(earlier)) * 100;
  return (Math.sign(pct) * Math.round(Math.abs(pct) * 100)) / 100 || 0;
}
