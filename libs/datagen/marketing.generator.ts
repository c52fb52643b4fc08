import { hashSeed, mix32, mixPair } from './prng';
import { pump } from './pump';

/**
 * Daily ad-platform exports for the `marketing` kind: campaigns × ad groups × ads over a span of
 * days, in date order. Each ad runs in a flight (a contiguous run of days, campaigns' ads
 * together); its figures follow its own CTR, CVR, CPC and order value with weekly seasonality
 * (weekends lower) and noise; some campaign-days spike (×4) or drop (×0.15) across all their ads
 * (what the anomaly rule should find). Every row's values derive from (seed, ad, day) alone, so a
 * restatement file (restateDays > 0) re-sends the last days with late conversions added.
 * Faults (errorRate) are spread over the reject codes; the summary counts them.
 */

export const MARKETING_SHAPES = ['default', 'adversarial'] as const;
export type MarketingShape = (typeof MARKETING_SHAPES)[number];

export const MARKETING_HEADER = 'campaign_id,platform,date,campaign_name,ad_group_id,ad_group_name,ad_id,ad_name,creative_url,impressions,clicks,conversions,cost,revenue,currency';

export const MARKETING_FAULT_TYPES = ['MISSING_CAMPAIGN_ID', 'INVALID_DATE', 'NEGATIVE_COST', 'CLICKS_EXCEED_IMPRESSIONS', 'INVALID_CLICKS', 'DUPLICATE_KEY'] as const;
export type MarketingFaultType = (typeof MARKETING_FAULT_TYPES)[number];

export interface MarketingGenOptions {
  rows: number;
  seed?: number;
  shape?: MarketingShape;
  campaigns?: number;
  adGroupsPerCampaign?: number;
  adsPerAdGroup?: number;
  days?: number;
  /** Last day of the data, YYYY-MM-DD (default 2025-06-30). */
  endDay?: string;
  errorRate?: number;
  /** Currencies, one per campaign (round robin); default USD only. */
  currencies?: string[];
  /** When > 0: the restatement of the last this many days (late conversions), instead of the main file. */
  restateDays?: number;
}

export interface MarketingGenResult {
  rows: number;
  bytes: number;
  faultyRows: number;
  faultsByType: Record<MarketingFaultType, number>;
  campaigns: number;
  ads: number;
  days: number;
  firstDay: string;
  lastDay: string;
}

export const DEFAULT_MARKETING_SEED = 1;
export const DEFAULT_MARKETING_ERROR_RATE = 0.01;
const DEFAULTS = { campaigns: 2000, adGroupsPerCampaign: 5, adsPerAdGroup: 4, days: 730, endDay: '2025-06-30' };
const ADVERSARIAL = { campaigns: 200_000, adGroupsPerCampaign: 2, adsPerAdGroup: 2, days: 3650, currencies: ['USD', 'EUR', 'GBP'] };
const PLATFORMS: ReadonlyArray<[string, string]> = [
  ['google_ads', 'Google Ads'],
  ['meta', 'Meta'],
  ['tiktok', 'TikTok'],
  ['linkedin', 'LinkedIn'],
  ['snapchat', 'Snapchat'],
];
const THEMES = ['Spring Sale', 'Brand Awareness', 'Retargeting', 'Black Friday', 'Prospecting', 'App Installs', 'Lead Gen', 'Holiday Push'];
const ADVERSARIAL_THEMES = ['Été "Soldes", 50 % off', 'Brand, awareness', 'Retargeting — 再营销', 'Prospecting\tEU'];
const DAY_MS = 86_400_000;

class MarketingCsvGenerator {
  private readonly o: Required<Omit<MarketingGenOptions, 'shape' | 'restateDays' | 'currencies'>> & { currencies: string[]; restateDays: number; isAdversarial: boolean };
  private readonly seedHash: number;
  private readonly adCount: number;
  private readonly perDay: number;
  private readonly endMs: number;
  private day = 0;
  private emitted = 0;
  private bytes = 0;
  private isHeaderDone = false;
  private lastRow = '';
  private readonly faults = Object.fromEntries(MARKETING_FAULT_TYPES.map((t) => [t, 0])) as Record<MarketingFaultType, number>;

  constructor(opts: MarketingGenOptions) {
    const isAdversarial = opts.shape === 'adversarial';
    const base = isAdversarial ? { ...DEFAULTS, ...ADVERSARIAL } : { ...DEFAULTS, currencies: ['USD'] };
    const days = opts.days ?? base.days;
    const groups = opts.adGroupsPerCampaign ?? base.adGroupsPerCampaign;
    const ads = opts.adsPerAdGroup ?? base.adsPerAdGroup;
    // Enough campaigns that each day's rows fit among the ads (keys are unique per ad and day).
    const minCampaigns = Math.ceil(((opts.rows / days) * 1.25) / (groups * ads));
    const campaigns = Math.max(opts.campaigns ?? base.campaigns, minCampaigns, 1);
    if (!Number.isSafeInteger(opts.rows) || opts.rows < 0) throw new RangeError('rows must be a whole number ≥ 0');
    if (days < 1) throw new RangeError('days must be ≥ 1');
    const endDay = opts.endDay ?? base.endDay;
    this.endMs = Date.parse(`${endDay}T00:00:00Z`);
    if (Number.isNaN(this.endMs)) throw new RangeError(`endDay is not a day: ${endDay}`);
    this.o = {
      rows: opts.rows,
      seed: opts.seed ?? DEFAULT_MARKETING_SEED,
      campaigns,
      adGroupsPerCampaign: groups,
      adsPerAdGroup: ads,
      days,
      endDay,
      errorRate: opts.restateDays ? 0 : (opts.errorRate ?? DEFAULT_MARKETING_ERROR_RATE),
      currencies: opts.currencies ?? base.currencies,
      restateDays: Math.min(opts.restateDays ?? 0, days),
      isAdversarial,
    };
    this.seedHash = hashSeed(this.o.seed);
    this.adCount = campaigns * groups * ads;
    this.perDay = opts.rows / days;
    if (this.o.restateDays > 0) {
      this.day = days - this.o.restateDays;
    }
  }

  nextChunk(): string | null {
    if (!this.isHeaderDone) {
      this.isHeaderDone = true;
      return this.count(MARKETING_HEADER + (this.o.isAdversarial ? '\r\n' : '\n'));
    }
    if (this.day >= this.o.days) {
      return null;
    }
    const d = this.day++;
    // Rows of day d: the cumulative target rounded, so the total is exactly `rows`.
    const target = Math.round(this.perDay * (d + 1)) - Math.round(this.perDay * d);
    // The active ads slide across the ad list over the span: each ad runs one contiguous flight.
    const slack = this.adCount - target;
    const first = this.o.days > 1 ? Math.floor((slack * d) / (this.o.days - 1)) : 0;
    const date = new Date(this.endMs - (this.o.days - 1 - d) * DAY_MS).toISOString().slice(0, 10);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    let out = '';
    for (let k = 0; k < target; k++) {
      out += this.row(first + k, d, date, weekday);
    }
    return this.count(out);
  }

  result(): MarketingGenResult {
    const lastDay = new Date(this.endMs).toISOString().slice(0, 10);
    const firstDay = new Date(this.endMs - (this.o.days - 1) * DAY_MS).toISOString().slice(0, 10);
    return {
      rows: this.emitted,
      bytes: this.bytes,
      faultyRows: Object.values(this.faults).reduce((a, b) => a + b, 0),
      faultsByType: { ...this.faults },
      campaigns: this.o.campaigns,
      ads: this.adCount,
      days: this.o.days,
      firstDay,
      lastDay,
    };
  }

  private count(s: string): string {
    this.bytes += Buffer.byteLength(s);
    return s;
  }

  private row(ad: number, d: number, date: string, weekday: number): string {
    this.emitted++;
    const o = this.o;
    const adsPerCampaign = o.adGroupsPerCampaign * o.adsPerAdGroup;
    const campaign = Math.floor(ad / adsPerCampaign);
    const group = Math.floor((ad % adsPerCampaign) / o.adsPerAdGroup);
    const adInGroup = ad % o.adsPerAdGroup;
    const h = mixPair(this.seedHash, mixPair(ad, d));
    const r = (k: number): number => mix32(h ^ Math.imul(k + 1, 0x9e3779b1)) / 4294967296;
    const traits = mixPair(this.seedHash, ad);
    const t = (k: number): number => mix32(traits ^ Math.imul(k + 1, 0x85ebca6b)) / 4294967296;
    const campaignDay = mix32(mixPair(this.seedHash ^ 0x5bd1e995, mixPair(campaign, d))) / 4294967296;

    const seasonal = weekday === 0 || weekday === 6 ? 0.75 : 1 + 0.05 * Math.sin(weekday);
    const event = campaignDay < 0.004 ? 4 : campaignDay > 0.997 ? 0.15 : 1;
    const noise = 0.8 + 0.4 * r(0);
    const impressions = Math.round((200 + 20000 * t(0) * t(0)) * seasonal * event * noise);
    const clicks = Math.round(impressions * (0.005 + 0.055 * t(1)) * (0.9 + 0.2 * r(1)));
    let conversions = Math.round(clicks * (0.01 + 0.09 * t(2)) * (0.85 + 0.3 * r(2)));
    const costCents = Math.round(clicks * (20 + 280 * t(3)) * (0.9 + 0.2 * r(3)));
    let revenueCents = Math.round(conversions * (1000 + 14000 * t(4)) * (0.8 + 0.4 * r(4)));
    if (o.restateDays > 0) {
      // Late conversions reported after the first export.
      const late = Math.round(conversions * 0.1 * r(5)) + (r(6) < 0.3 ? 1 : 0);
      conversions += late;
      revenueCents += late * Math.round(1000 + 14000 * t(4));
    }

    const [platformId, platformLabel] = PLATFORMS[campaign % PLATFORMS.length];
    const platform = r(7) < 0.5 ? platformLabel : platformId;
    const cid = `cmp-${campaign}`;
    const themes = o.isAdversarial ? ADVERSARIAL_THEMES : THEMES;
    const campaignName = csvField(`Campaign ${campaign} - ${themes[campaign % themes.length]}`);
    const gid = `${cid}-g${group}`;
    const aid = `${gid}-a${adInGroup}`;
    const adName = csvField(`Ad ${adInGroup} ${o.isAdversarial ? '«variant», ' : ''}${String.fromCharCode(65 + (ad % 26))}`);
    const currency = o.currencies[campaign % o.currencies.length];
    const cost = r(8) < 0.05 ? dollarsWithSeparators(costCents) : plainDollars(costCents);
    let fields = [
      cid,
      platform,
      date,
      campaignName,
      gid,
      `Group ${group}`,
      aid,
      adName,
      `https://cdn.example.com/creatives/${aid}.jpg`,
      String(impressions),
      String(clicks),
      String(conversions),
      cost,
      plainDollars(revenueCents),
      r(9) < 0.1 ? currency.toLowerCase() : currency,
    ];
    let isFaulty = false;
    if (o.errorRate > 0 && r(10) < o.errorRate) {
      const fault = MARKETING_FAULT_TYPES[Math.floor(r(11) * MARKETING_FAULT_TYPES.length)];
      if (fault === 'DUPLICATE_KEY' && this.lastRow === '') {
        // Nothing to repeat yet: a clean row.
      } else {
        this.faults[fault]++;
        if (fault === 'DUPLICATE_KEY') {
          return this.lastRow;
        }
        fields = faulty(fault, fields);
        isFaulty = true;
      }
    }
    const line = fields.join(',') + (o.isAdversarial ? '\r\n' : '\n');
    // A duplicate repeats the last clean row: a faulty one would be rejected for its own fault, not DUPLICATE_KEY.
    if (!isFaulty) {
      this.lastRow = line;
    }
    return line;
  }
}

function faulty(fault: MarketingFaultType, f: string[]): string[] {
  const g = [...f];
  switch (fault) {
    case 'MISSING_CAMPAIGN_ID':
      g[0] = '';
      break;
    case 'INVALID_DATE':
      g[2] = g[2].slice(0, 5) + '13' + g[2].slice(7);
      break;
    case 'NEGATIVE_COST':
      {
        const amount = g[12].replace('$', '').replace(/"/g, '');
        g[12] = Number(amount.replace(/,/g, '')) > 0 ? `"-${amount}"` : '-1.00';
      }
      break;
    case 'CLICKS_EXCEED_IMPRESSIONS':
      g[9] = String(Math.max(1, Number(g[9]) >> 3));
      g[10] = String(Number(g[9]) + 5);
      break;
    case 'INVALID_CLICKS':
      g[10] = 'n/a';
      break;
    case 'DUPLICATE_KEY':
      break;
  }
  return g;
}

function plainDollars(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

function dollarsWithSeparators(cents: number): string {
  const whole = Math.floor(cents / 100).toLocaleString('en-US');
  return `"$${whole}.${String(cents % 100).padStart(2, '0')}"`;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes the marketing CSV (header + rows) to `out` honouring backpressure. Does not end `out`. */
export async function writeMarketingCsv(out: NodeJS.WritableStream, opts: MarketingGenOptions): Promise<MarketingGenResult> {
  const gen = new MarketingCsvGenerator(opts);
  await pump(out, () => gen.nextChunk());
  return gen.result();
}

/** Whole marketing CSV as one string (small row counts only: tests, fixtures). */
export function marketingCsvString(opts: MarketingGenOptions): { csv: string } & MarketingGenResult {
  const gen = new MarketingCsvGenerator(opts);
  let csv = '';
  for (let chunk = gen.nextChunk(); chunk !== null; chunk = gen.nextChunk()) csv += chunk;
  return { csv, ...gen.result() };
}
