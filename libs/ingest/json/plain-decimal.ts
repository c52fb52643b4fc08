/** Results longer than this many digits are refused (the input comes back unchanged). */
const MAX_DIGITS = 400;

const NUMBER = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Rewrites JSON number text as the same number in plain decimal notation, exactly: the exponent
 * only moves the decimal point ('1.5E+2' -> '150', '-2.5e-3' -> '-0.0025', '0e10' -> '0').
 * The digits are kept as written (no rounding, no trimming: '12.50' stays '12.50', '1.50e1' is
 * '15.0'), and so is the sign ('-0' stays '-0').
 * Returns the input unchanged when it has no exponent, is not JSON number text, or when the
 * result would have more than 400 digits (so that a caller's cleaner rejects it as written).
 */
export function plainDecimal(numberText: string): string {
  const m = NUMBER.exec(numberText);
  if (m === null || m[4] === undefined) {
    return numberText;
  }
  const sign = m[1];
  const digits = m[3] === undefined ? m[2] : m[2] + m[3];
  // Where the decimal point falls in `digits` (may be before its start or past its end).
  // Number() of a huge exponent is a huge float or Infinity: the digit guard below catches both.
  const point = m[2].length + Number(m[4]);
  let firstNonZero = 0;
  while (firstNonZero < digits.length && digits.charCodeAt(firstNonZero) === 48) {
    firstNonZero++;
  }
  const isZero = firstNonZero === digits.length;
  const intLength = isZero ? 0 : Math.max(0, point - firstNonZero);
  const fracLength = Math.max(0, digits.length - point);
  // Guard before building anything: '1e999999999' must not allocate a billion zeros.
  if (Math.max(intLength, 1) + fracLength > MAX_DIGITS) {
    return numberText;
  }
  let intPart = '0';
  if (intLength > 0) {
    intPart = point <= digits.length ? digits.slice(firstNonZero, point) : digits.slice(firstNonZero) + '0'.repeat(point - digits.length);
  }
  if (fracLength === 0) {
    return sign + intPart;
  }
  const fracPart = point >= 0 ? digits.slice(point) : '0'.repeat(-point) + digits;
  return `${sign}${intPart}.${fracPart}`;
}
