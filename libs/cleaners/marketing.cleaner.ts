import { CleanValues, CleanerContext, Reject, RowCleaner } from './cleaner.types';
import { isWhitespaceCode, trimField } from './text';

/**
 * Row cleaner for the `marketing` kind (daily ad-platform exports).
 * Input columns (kind order): campaign_id, platform, date, campaign_name, ad_group_id,
 * ad_group_name, ad_id, ad_name, creative_url, impressions, clicks, conversions, cost, revenue,
 * currency. Output (COPY order): platform, campaign_id, campaign_name, ad_group_id, ad_group_name,
 * ad_id, ad_name, creative_url, day, impressions, clicks, conversions, cost_cents, revenue_cents,
 * currency. Absent ad group and ad ids are '' (part of the row's key); absent metrics are 0.
 */

const CH_0 = 48;
const CH_9 = 57;
const CH_COMMA = 44;
const CH_DOT = 46;
const CH_MINUS = 45;
const CH_PLUS = 43;
const CURRENCY_SYMBOLS = new Set([36 /* $ */, 0x20ac /* € */, 0xa3 /* £ */, 0xa5 /* ¥ */]);
/**
 * Above this (10^11 dollars in cents, or 10^13 impressions) a figure is a corrupt field, not a
 * day of one ad; it also keeps a day's sums far inside bigint and exact as doubles.
 */
const MAX_CENTS = 1e13;

/** ISO 4217 alphabetic codes in use (plus XAU-style funds codes are not accepted). */
export const ISO_4217 = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY ' +
    'COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ' +
    'IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR ' +
    'MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD ' +
    'SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD ' +
    'XCG XOF XPF YER ZAR ZMW ZWG ZWL'
  ).split(' '),
);

const REJECTS = {
  MISSING_CAMPAIGN_ID: new Reject('MISSING_CAMPAIGN_ID'),
  MISSING_PLATFORM: new Reject('MISSING_PLATFORM'),
  MISSING_DATE: new Reject('MISSING_DATE'),
  INVALID_DATE: new Reject('INVALID_DATE'),
  INVALID_CURRENCY: new Reject('INVALID_CURRENCY'),
  CLICKS_EXCEED_IMPRESSIONS: new Reject('CLICKS_EXCEED_IMPRESSIONS'),
};

/** Per metric: its reject for a non-number and for a negative number. */
const METRIC_REJECTS = {
  impressions: { invalid: new Reject('INVALID_IMPRESSIONS'), negative: new Reject('NEGATIVE_IMPRESSIONS') },
  clicks: { invalid: new Reject('INVALID_CLICKS'), negative: new Reject('NEGATIVE_CLICKS') },
  conversions: { invalid: new Reject('INVALID_CONVERSIONS'), negative: new Reject('NEGATIVE_CONVERSIONS') },
  cost: { invalid: new Reject('INVALID_COST'), negative: new Reject('NEGATIVE_COST') },
  revenue: { invalid: new Reject('INVALID_REVENUE'), negative: new Reject('NEGATIVE_REVENUE') },
} as const;

/** Every reject code the cleaner can give. */
export const MARKETING_REJECT_CODES = [...Object.keys(REJECTS), ...Object.values(METRIC_REJECTS).flatMap((r) => [r.invalid.reason, r.negative.reason])];

/** Result of reading a number: a non-negative integer (units or cents), or why it is not one. */
const NOT_A_NUMBER = -1;
const NEGATIVE = -2;

/**
 * Digits with optional ',' thousands groups ("1,234,567"), then for money up to 2 decimals (more
 * only when they are zeros) and for counts only zeros after a '.' ("12.0"); a leading '-' makes a
 * number NEGATIVE, a leading currency symbol is allowed for money. '' is 0. Returns the integer
 * (cents for money), NOT_A_NUMBER or NEGATIVE.
 */
export function readAmount(raw: string, isMoney: boolean): number {
  const s = raw;
  const n = s.length;
  if (n === 0) return 0;
  let i = 0;
  let isNegative = false;
  let hasSign = false;
  let hasSymbol = false;
  // At most one sign and one symbol, in either order: "-$5", "$-5", "- $ 5" ("--5", "$$5" are not numbers).
  for (let round = 0; round < 2; round++) {
    const c = s.charCodeAt(i);
    if ((c === CH_MINUS || c === CH_PLUS) && !hasSign) {
      hasSign = true;
      isNegative = c === CH_MINUS;
      i++;
    } else if (isMoney && !hasSymbol && CURRENCY_SYMBOLS.has(c)) {
      hasSymbol = true;
      i++;
    } else {
      break;
    }
    while (i < n && isWhitespaceCode(s.charCodeAt(i))) i++;
  }
  let value = 0;
  let digits = 0;
  let groupDigits = -1; // digits since the last ',' (-1: no ',' seen)
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= CH_0 && c <= CH_9) {
      value = value * 10 + (c - CH_0);
      digits++;
      if (groupDigits >= 0 && ++groupDigits > 3) return NOT_A_NUMBER;
    } else if (c === CH_COMMA) {
      if (digits === 0 || (groupDigits >= 0 ? groupDigits !== 3 : digits > 3)) return NOT_A_NUMBER;
      groupDigits = 0;
    } else {
      break;
    }
  }
  if (groupDigits >= 0 && groupDigits !== 3) return NOT_A_NUMBER;
  let fraction = 0;
  if (i < n && s.charCodeAt(i) === CH_DOT) {
    i++;
    let place = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < CH_0 || c > CH_9) return NOT_A_NUMBER;
      const d = c - CH_0;
      place++;
      if (isMoney && place <= 2) {
        fraction += d * (place === 1 ? 10 : 1);
      } else if (d !== 0) {
        return NOT_A_NUMBER;
      }
      digits++;
    }
  }
  if (i < n || digits === 0) return NOT_A_NUMBER;
  const result = isMoney ? value * 100 + fraction : value;
  if (result > MAX_CENTS) return NOT_A_NUMBER;
  return isNegative && result !== 0 ? NEGATIVE : result;
}

/** "Google Ads" → "google_ads": trimmed, lower-cased, runs of spaces, '-' and '_' as one '_'. */
export function normalizePlatform(raw: string): string {
  if (isStoredPlatform(raw)) {
    return raw;
  }
  let out = '';
  let isPendingSeparator = false;
  const lower = raw.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (isWhitespaceCode(c) || c === CH_MINUS || c === 95) {
      isPendingSeparator = out.length > 0;
      continue;
    }
    if (isPendingSeparator) {
      out += '_';
      isPendingSeparator = false;
    }
    out += lower[i];
  }
  return out;
}

/** Already in the stored form (the usual case: no allocation): lower-case letters and digits, single inner '_'. */
function isStoredPlatform(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const isWord = (c >= 97 && c <= 122) || (c >= CH_0 && c <= CH_9);
    if (!isWord && !(c === 95 && i > 0 && i < n - 1 && s.charCodeAt(i - 1) !== 95)) return false;
  }
  return n > 0;
}

/** A calendar date YYYY-MM-DD (years 1900–9999), else null. */
export function readDay(s: string): string | null {
  if (s.length !== 10 || s.charCodeAt(4) !== CH_MINUS || s.charCodeAt(7) !== CH_MINUS) return null;
  let y = 0;
  let m = 0;
  let d = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const c = s.charCodeAt(i);
    if (c < CH_0 || c > CH_9) return null;
    const v = c - CH_0;
    if (i < 4) y = y * 10 + v;
    else if (i < 7) m = m * 10 + v;
    else d = d * 10 + v;
  }
  if (y < 1900 || m < 1 || m > 12 || d < 1) return null;
  const isLeap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const monthDays = m === 2 ? (isLeap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
  return d <= monthDays ? s : null;
}

function metric(raw: string | undefined, name: keyof typeof METRIC_REJECTS): number | Reject {
  const v = readAmount(trimField(raw), name === 'cost' || name === 'revenue');
  if (v >= 0) return v;
  return v === NEGATIVE ? METRIC_REJECTS[name].negative : METRIC_REJECTS[name].invalid;
}

function optional(raw: string | undefined): string | null {
  const v = trimField(raw);
  return v === '' ? null : v;
}

// ctx is part of the common factory signature; future-dated rows are accepted (plans, forecasts).
export function createMarketingCleaner(_ctx: CleanerContext): RowCleaner {
  return function cleanMarketingRow(f: string[]): CleanValues | Reject {
    const campaignId = trimField(f[0]);
    if (campaignId === '') return REJECTS.MISSING_CAMPAIGN_ID;
    const platform = normalizePlatform(trimField(f[1]));
    if (platform === '') return REJECTS.MISSING_PLATFORM;
    const rawDay = trimField(f[2]);
    if (rawDay === '') return REJECTS.MISSING_DATE;
    const day = readDay(rawDay);
    if (day === null) return REJECTS.INVALID_DATE;
    const impressions = metric(f[9], 'impressions');
    if (impressions instanceof Reject) return impressions;
    const clicks = metric(f[10], 'clicks');
    if (clicks instanceof Reject) return clicks;
    const conversions = metric(f[11], 'conversions');
    if (conversions instanceof Reject) return conversions;
    const cost = metric(f[12], 'cost');
    if (cost instanceof Reject) return cost;
    const revenue = metric(f[13], 'revenue');
    if (revenue instanceof Reject) return revenue;
    if (impressions > 0 && clicks > impressions) return REJECTS.CLICKS_EXCEED_IMPRESSIONS;
    const rawCurrency = trimField(f[14]);
    const currency = rawCurrency === '' ? 'USD' : rawCurrency.toUpperCase();
    if (!ISO_4217.has(currency)) return REJECTS.INVALID_CURRENCY;
    return [
      platform,
      campaignId,
      optional(f[3]),
      trimField(f[4]),
      optional(f[5]),
      trimField(f[6]),
      optional(f[7]),
      optional(f[8]),
      day,
      String(impressions),
      String(clicks),
      String(conversions),
      String(cost),
      String(revenue),
      currency,
    ];
  };
}
