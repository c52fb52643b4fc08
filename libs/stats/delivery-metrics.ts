import { roundedRatio } from './marketing-metrics';
import { percentilesOf } from './percentile-select';

/**
 * Message delivery figures against an SLA. Per bucket, from whole counts: delivery_rate =
 * delivered / messages × 100 and read_rate = read / delivered × 100, each rounded once to 2 dp
 * (half away from zero), 0 when the denominator is 0; sla_met = delivery_rate ≥ the SLA (99.0)
 * as shown. Over the buckets: the overall rate from the totals, the mean and the population
 * standard deviation of the bucket rates, the share of buckets meeting the SLA and below each
 * threshold, and percentiles of the bucket rates (linear interpolation between closest ranks,
 * as Postgres percentile_cont).
 */

export const DELIVERY_SLA = 99.0;
export const BREACH_THRESHOLDS = [99, 97, 95] as const;
export const CRITICAL_THRESHOLD = 95;
export const RATE_PERCENTILES = [25, 50, 75, 90, 95, 99] as const;

export interface DeliveryCounts {
  messages: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
}

export interface DeliveryFigures extends DeliveryCounts {
  pending: number;
  delivery_rate: number;
  read_rate: number;
  sla_met: boolean;
}

export interface DeliverySummary {
  buckets: number;
  messages: number;
  delivered: number;
  read: number;
  failed: number;
  pending: number;
  overall_delivery_rate: number;
  average_delivery_rate: number;
  std_deviation: number;
  sla_target: number;
  sla_compliance: number;
  threshold_breaches: Record<string, number>;
  critical_breaches: number;
  rate_percentiles: Record<string, number | null>;
}

/** `num` / `den` × 100 to 2 dp, 0 when `den` is 0. */
export function percentOf(num: number, den: number): number {
  return roundedRatio(BigInt(num) * 100n, BigInt(den), 2) ?? 0;
}

/**
 * A bucket's figures. Counts must be consistent (delivered + failed ≤ messages, read ≤ delivered,
 * none negative): anything else is a broken row, refused rather than reported.
 */
export function deliveryFigures(c: DeliveryCounts, sla = DELIVERY_SLA): DeliveryFigures {
  const counts = [c.messages, c.sent, c.delivered, c.read, c.failed];
  if (counts.some((n) => !Number.isSafeInteger(n) || n < 0) || c.delivered + c.failed > c.messages || c.read > c.delivered || c.sent > c.messages) {
    throw new RangeError(`inconsistent delivery counts: ${JSON.stringify(c)}`);
  }
  const rate = percentOf(c.delivered, c.messages);
  return { ...c, pending: c.messages - c.delivered - c.failed, delivery_rate: rate, read_rate: percentOf(c.read, c.delivered), sla_met: rate >= sla };
}

/** The p-th percentile (0–100) of `values`, interpolating linearly between closest ranks; null when empty. */
export function percentileCont(values: readonly number[], p: number): number | null {
  return percentilesOf(Float64Array.from(values), [p / 100])[0];
}

const round = (v: number, decimals: number) => {
  const f = 10 ** decimals;
  return (Math.sign(v) * Math.round(Math.abs(v) * f + Number.EPSILON * f)) / f;
};

/** The summary over buckets' figures (shares as fractions 0–1 to 4 dp; rates to 2 dp). */
export function deliverySummary(buckets: readonly DeliveryFigures[], sla = DELIVERY_SLA): DeliverySummary {
  const n = buckets.length;
  const total = (k: keyof DeliveryCounts | 'pending') => buckets.reduce((s, b) => s + b[k], 0);
  const rates = buckets.map((b) => b.delivery_rate);
  const mean = n === 0 ? 0 : rates.reduce((a, b) => a + b, 0) / n;
  const variance = n === 0 ? 0 : rates.reduce((a, r) => a + (r - mean) ** 2, 0) / n;
  const share = (pred: (r: number) => boolean) => (n === 0 ? 0 : round(rates.filter(pred).length / n, 4));
  return {
    buckets: n,
    messages: total('messages'),
    delivered: total('delivered'),
    read: total('read'),
    failed: total('failed'),
    pending: total('pending'),
    overall_delivery_rate: percentOf(total('delivered'), total('messages')),
    average_delivery_rate: round(mean, 2),
    std_deviation: round(Math.sqrt(variance), 2),
    sla_target: sla,
    sla_compliance: share((r) => r >= sla),
    threshold_breaches: Object.fromEntries(BREACH_THRESHOLDS.map((t) => [String(t), share((r) => r < t)])),
    critical_breaches: share((r) => r < CRITICAL_THRESHOLD),
    rate_percentiles: Object.fromEntries(
      RATE_PERCENTILES.map((p) => {
        const v = percentileCont(rates, p);
        return [`p${p}`, v === null ? null : round(v, 2)];
      }),
    ),
  };
}
