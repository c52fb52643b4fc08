/**
 * Engagement of a messaging platform's users over a bucket:
 * engagement_rate = round(Σ count(type) × weight(type) / unique_users × min(mean duration in s / 300, 1) × 100, 2),
 * weights 1.0 unless given; 0 with no users. The mean duration is over the actions that give one;
 * a bucket where none does has a duration factor of 0 (nothing shows the users stayed).
 */

/** Five minutes: a mean action this long or longer counts fully. */
export const FULL_ENGAGEMENT_SECONDS = 300;

export interface EngagementCounts {
  users: number;
  actions: Record<string, number>;
  /** Sum and count of the durations given, in ms. */
  durationMsSum: number;
  durations: number;
}

export function engagementRate(c: EngagementCounts, weights: Readonly<Record<string, number>> = {}): number {
  if (c.users <= 0) {
    return 0;
  }
  const weighted = Object.entries(c.actions).reduce((s, [type, n]) => s + n * (weights[type] ?? 1), 0);
  const meanSeconds = c.durations > 0 ? c.durationMsSum / c.durations / 1000 : 0;
  const rate = (weighted / c.users) * Math.min(meanSeconds / FULL_ENGAGEMENT_SECONDS, 1) * 100;
  return Math.round(rate * 100 + Number.EPSILON) / 100;
}

/**
 * Reads a weights map written `type:weight,type:weight` (weights finite and ≥ 0, types among
 * `known`); returns the map or the problem.
 */
export function parseWeights(text: string, known: readonly string[]): Record<string, number> | string {
  const weights: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const [type, value, ...rest] = part.split(':').map((x) => x.trim());
    const w = Number(value);
    if (rest.length > 0 || value === undefined || value === '' || !Number.isFinite(w) || w < 0) {
      return `'${part}' is not type:weight with a number ≥ 0`;
    }
    if (!known.includes(type.toLowerCase())) {
      return `'${type}' is not an action type (${known.join(', ')})`;
    }
    weights[type.toLowerCase()] = w;
  }
  return weights;
}
