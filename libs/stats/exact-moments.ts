/**
 * Exact mean / population standard deviation arithmetic on integer cents, with BigInt.
 *
 * A group of n amounts (in cents) is summarised by S = Σc and Q = Σc². Its population variance
 * is D / n² with D = n·Q − S², so every question below is answered on integers: no float ever
 * decides whether a transaction is an anomaly or how a figure rounds.
 */
export interface CentMoments {
  count: bigint;
  sumCents: bigint;
  sumSqCents: bigint;
}

/** Integer square root: the largest r with r² ≤ n (n ≥ 0). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) {
    throw new RangeError('isqrt of a negative number');
  }
  if (n < 2n) {
    return n;
  }
  // Newton's method from an over-estimate converges downwards to the floor.
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) {
      return x;
    }
    x = y;
  }
}

/** n·Q − S²: n² times the population variance (0 for n ≤ 1 or equal values). */
export function scaledVariance(m: CentMoments): bigint {
  return m.count * m.sumSqCents - m.sumCents * m.sumCents;
}

/** round(num / den) with halves away from zero, for num ≥ 0 and den > 0. */
export function roundDiv(num: bigint, den: bigint): bigint {
  return (2n * num + den) / (2n * den);
}

/** The mean in cents, rounded half up (0 for an empty group). */
export function meanCents(m: CentMoments): bigint {
  return m.count === 0n ? 0n : roundDiv(m.sumCents, m.count);
}

/** The population standard deviation in cents, rounded half up: round(√D / n). */
export function stdDevCents(m: CentMoments): bigint {
  if (m.count === 0n) {
    return 0n;
  }
  // floor(√D/n + ½) = floor((floor(2√D/n) + 1) / 2) and floor(2√D/n) = floor(isqrt(4D) / n).
  return (isqrt(4n * scaledVariance(m)) / m.count + 1n) / 2n;
}

/**
 * The smallest amount in cents that lies strictly above mean + k·σ, or null when σ is 0 or the
 * group is empty (such a group has no anomalies). a qualifies iff w = n·a − S > 0 and w² > k²·D.
 */
export function minCentsAbove(m: CentMoments, k: bigint): bigint | null {
  const d = scaledVariance(m);
  if (m.count === 0n || d <= 0n) {
    return null;
  }
  const wMin = isqrt(k * k * d) + 1n;
  const numerator = m.sumCents + wMin;
  // ceil(numerator / n); numerator > 0 because S ≥ 0 and wMin ≥ 1.
  return (numerator + m.count - 1n) / m.count;
}

/**
 * (amount − mean) / σ in tenths, rounded half up, for an amount above the mean:
 * 10·w/√D with w = n·a − S, computed as floor((isqrt(floor(400w²/D)) + 1) / 2).
 */
export function deviationsTenths(m: CentMoments, amountCents: bigint): bigint {
  const d = scaledVariance(m);
  const w = m.count * amountCents - m.sumCents;
  if (d <= 0n || w <= 0n) {
    return 0n;
  }
  return (isqrt((400n * w * w) / d) + 1n) / 2n;
}

/** `cents` as a decimal number of currency units (exact for |cents| < 2^53). */
export function centsToNumber(cents: bigint): number {
  return Number(cents) / 100;
}

/** round(100·part/whole, decimals) half up, as a number; 0 when whole is 0. */
export function percentage(part: bigint, whole: bigint, decimals: number): number {
  if (whole === 0n) {
    return 0;
  }
  const scale = 10n ** BigInt(decimals);
  return Number(roundDiv(100n * scale * part, whole)) / Number(scale);
}

/** round(num/den, decimals) half up for non-negative integers, as a number; 0 when den is 0. */
export function ratio(num: bigint, den: bigint, decimals: number): number {
  if (den === 0n) {
    return 0;
  }
  const scale = 10n ** BigInt(decimals);
  return Number(roundDiv(scale * num, den)) / Number(scale);
}
