/**
 * Exact sales arithmetic on the cleaner's canonical decimals (non-negative, at most 6 fraction
 * digits): revenue = quantity × unit_price × (1 − discount) and the anomaly points a record
 * scores on its own. Safe integers when price and discount have at most 2 decimals (nearly all
 * rows), BigInt otherwise; never a binary fraction.
 */

const CH_0 = 48;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const PAD4 = Array.from({ length: 10000 }, (_, i) => String(i).padStart(4, '0'));

/** Hundredths of a canonical decimal with at most 2 decimals, or -1 (more decimals, or too large). */
export function hundredths(s: string): number {
  const dot = s.indexOf('.');
  const intEnd = dot < 0 ? s.length : dot;
  const fracLen = dot < 0 ? 0 : s.length - dot - 1;
  if (fracLen > 2 || intEnd > 13) {
    return -1;
  }
  let v = 0;
  for (let i = 0; i < intEnd; i++) {
    v = v * 10 + (s.charCodeAt(i) - CH_0);
  }
  v *= 100;
  if (fracLen >= 1) v += (s.charCodeAt(dot + 1) - CH_0) * 10;
  if (fracLen === 2) v += s.charCodeAt(dot + 2) - CH_0;
  return v;
}

/** Millionths of a canonical decimal (at most 6 decimals). */
export function millionths(s: string): bigint {
  const dot = s.indexOf('.');
  if (dot < 0) {
    return BigInt(s) * 1_000_000n;
  }
  return BigInt(s.slice(0, dot) + s.slice(dot + 1).padEnd(6, '0'));
}

/** A scaled integer as decimal text: scaledText(12345n, 2) = '123.45'. */
export function scaledText(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

/** quantity × unit_price × (1 − discount), exactly, as decimal text (4 decimals, or 12 when an input has more than 2). */
export function salesRevenue(quantity: number, price: string, discount: string): string {
  const cents = hundredths(price);
  const pct = hundredths(discount);
  if (cents >= 0 && pct >= 0) {
    const gross = quantity * cents;
    const revenue = gross * (100 - pct); // scale 10^4
    if (gross <= MAX_SAFE && revenue <= MAX_SAFE) {
      const whole = Math.floor(revenue / 10000);
      return `${whole}.${PAD4[revenue - whole * 10000]}`;
    }
  }
  return scaledText(BigInt(quantity) * millionths(price) * (1_000_000n - millionths(discount)), 12);
}

/** Compares two non-negative decimal texts by value (leading and trailing zeros allowed). */
export function compareDecimals(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  const aw = ai.replace(/^0+/, '');
  const bw = bi.replace(/^0+/, '');
  if (aw.length !== bw.length) {
    return aw.length < bw.length ? -1 : 1;
  }
  const width = Math.max(af.length, bf.length);
  const x = aw + af.padEnd(width, '0');
  const y = bw + bf.padEnd(width, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

const isOver = (value: string, limit: string): boolean => compareDecimals(value, limit) > 0;

/**
 * The anomaly points a record scores whatever else is in scope: discount > 0.7 +1; unit price
 * > 1000 with discount > 0.5 +2; revenue > 50,000 +1; quantity > 100 at unit price > 500 +2.
 */
export function fixedAnomalyScore(quantity: number, price: string, discount: string, revenue: string): number {
  const cents = hundredths(price);
  const pct = hundredths(discount);
  const revenue4 = quantity * cents * (100 - pct);
  if (cents >= 0 && pct >= 0 && revenue4 <= MAX_SAFE) {
    return scoreOf(pct > 70, cents > 100000, pct > 50, revenue4 > 500_000_000, quantity > 100, cents > 50000);
  }
  return scoreOf(isOver(discount, '0.7'), isOver(price, '1000'), isOver(discount, '0.5'), isOver(revenue, '50000'), quantity > 100, isOver(price, '500'));
}

function scoreOf(isDeepDiscount: boolean, isPremium: boolean, isHalfOff: boolean, isLargeRevenue: boolean, isBulk: boolean, isPricey: boolean): number {
  return (isDeepDiscount ? 1 : 0) + (isPremium && isHalfOff ? 2 : 0) + (isLargeRevenue ? 1 : 0) + (isBulk && isPricey ? 2 : 0);
}
