import { Reject } from './cleaner.types';
import { createMarketingCleaner, MARKETING_REJECT_CODES, normalizePlatform, readAmount, readDay } from './marketing.cleaner';
import { rowOverrides } from './row-overrides.spec-helper';

const clean = createMarketingCleaner({ now: new Date('2025-06-30T12:00:00.000Z') });

// Input order: campaign_id, platform, date, campaign_name, ad_group_id, ad_group_name, ad_id,
// ad_name, creative_url, impressions, clicks, conversions, cost, revenue, currency.
const BASE = [
  'cmp-1',
  'google_ads',
  '2025-06-01',
  'Spring Sale',
  'cmp-1-g0',
  'Group 0',
  'cmp-1-g0-a0',
  'Ad 0 A',
  'https://cdn.example.com/a.jpg',
  '1000',
  '50',
  '5',
  '100.00',
  '150.00',
  'USD',
];
const COL = {
  campaignId: 0,
  platform: 1,
  date: 2,
  campaignName: 3,
  adGroupId: 4,
  adGroupName: 5,
  adId: 6,
  adName: 7,
  creativeUrl: 8,
  impressions: 9,
  clicks: 10,
  conversions: 11,
  cost: 12,
  revenue: 13,
  currency: 14,
};
// Output (COPY) order.
const OUT = {
  platform: 0,
  campaignId: 1,
  campaignName: 2,
  adGroupId: 3,
  adGroupName: 4,
  adId: 5,
  adName: 6,
  creativeUrl: 7,
  day: 8,
  impressions: 9,
  clicks: 10,
  conversions: 11,
  costCents: 12,
  revenueCents: 13,
  currency: 14,
};
const { row, cleaned, rejectReason } = rowOverrides(clean, BASE, COL);
type Overrides = NonNullable<Parameters<typeof row>[0]>;

/** The cleaned value of output column `out`, or the reject reason. */
function outcome(overrides: Overrides, out: number): string | null {
  return rejectReason(overrides) ?? cleaned(overrides)[out];
}

// Every reject the cleaner can give, with a row that triggers it.
const REJECT_CASES: [string, Overrides][] = [
  ['MISSING_CAMPAIGN_ID', { campaignId: '' }],
  ['MISSING_CAMPAIGN_ID', { campaignId: '   ' }],
  ['MISSING_PLATFORM', { platform: '' }],
  ['MISSING_PLATFORM', { platform: ' - _ ' }],
  ['MISSING_DATE', { date: '  ' }],
  ['INVALID_DATE', { date: '2025-02-30' }],
  ['INVALID_DATE', { date: '2025-13-01' }],
  ['INVALID_DATE', { date: '06/01/2025' }],
  ['INVALID_IMPRESSIONS', { impressions: 'many' }],
  ['NEGATIVE_IMPRESSIONS', { impressions: '-10' }],
  ['INVALID_CLICKS', { clicks: 'n/a' }],
  ['NEGATIVE_CLICKS', { clicks: '-1' }],
  ['INVALID_CONVERSIONS', { conversions: '2.5' }],
  ['NEGATIVE_CONVERSIONS', { conversions: '-2' }],
  ['INVALID_COST', { cost: '1.234' }],
  ['NEGATIVE_COST', { cost: '-$5' }],
  ['INVALID_REVENUE', { revenue: '12,5' }],
  ['NEGATIVE_REVENUE', { revenue: '-0.01' }],
  ['CLICKS_EXCEED_IMPRESSIONS', { impressions: '10', clicks: '11' }],
  ['INVALID_CURRENCY', { currency: 'XXX' }],
  ['INVALID_CURRENCY', { currency: 'US$' }],
];

describe('marketing cleaner', () => {
  describe('whole row', () => {
    it('should return the values in COPY column order with money in cents when the row is valid', () => {
      expect(cleaned()).toEqual([
        'google_ads',
        'cmp-1',
        'Spring Sale',
        'cmp-1-g0',
        'Group 0',
        'cmp-1-g0-a0',
        'Ad 0 A',
        'https://cdn.example.com/a.jpg',
        '2025-06-01',
        '1000',
        '50',
        '5',
        '10000',
        '15000',
        'USD',
      ]);
    });

    it('should trim every field when values have surrounding whitespace', () => {
      const padded = clean(BASE.map((v) => ` ${v}\t`));
      expect(padded).toEqual(cleaned());
    });

    it('should default metrics to 0, currency to USD, ad ids to empty and names to null when the row is short', () => {
      expect(clean(['cmp-9', 'Meta', '2025-06-02'])).toEqual(['meta', 'cmp-9', null, '', null, '', null, null, '2025-06-02', '0', '0', '0', '0', '0', 'USD']);
    });

    it('should keep empty ad group and ad ids as empty strings when they are blank', () => {
      const v = cleaned({ adGroupId: ' ', adId: '', campaignName: '', adGroupName: ' ', adName: '', creativeUrl: '' });
      expect([v[OUT.adGroupId], v[OUT.adId]]).toEqual(['', '']);
      expect([v[OUT.campaignName], v[OUT.adGroupName], v[OUT.adName], v[OUT.creativeUrl]]).toEqual([null, null, null, null]);
    });

    it('should accept a future date when the row is a plan', () => {
      expect(cleaned({ date: '2030-01-01' })[OUT.day]).toBe('2030-01-01');
    });
  });

  describe('rejects', () => {
    it.each(REJECT_CASES)('should reject with %s when the row is %j', (reason, overrides) => {
      const result = clean(row(overrides));
      expect(result).toBeInstanceOf(Reject);
      expect((result as Reject).reason).toBe(reason);
    });

    it('should check the campaign id first when several fields are bad', () => {
      expect(rejectReason({ campaignId: '', platform: '', date: '', cost: 'x' })).toBe('MISSING_CAMPAIGN_ID');
      expect(rejectReason({ platform: '', date: '' })).toBe('MISSING_PLATFORM');
      expect(rejectReason({ date: '', cost: 'x' })).toBe('MISSING_DATE');
    });

    it('should list every code the cleaner can produce in MARKETING_REJECT_CODES, and nothing else', () => {
      const produced = new Set(REJECT_CASES.map(([, overrides]) => rejectReason(overrides)));
      expect(new Set(MARKETING_REJECT_CODES)).toEqual(produced);
      expect(MARKETING_REJECT_CODES).toHaveLength(produced.size);
    });
  });

  describe('clicks and impressions', () => {
    it.each([
      ['10', '10', null],
      ['10', '11', 'CLICKS_EXCEED_IMPRESSIONS'],
      ['0', '5', null],
      ['', '5', null],
    ])('should give %s impressions with %s clicks the reject %s when compared', (impressions, clicks, reason) => {
      expect(rejectReason({ impressions, clicks }) ?? null).toBe(reason);
    });
  });

  describe('currency', () => {
    it.each([
      ['', 'USD'],
      ['usd', 'USD'],
      [' eur ', 'EUR'],
      ['GBP', 'GBP'],
      ['JPY', 'JPY'],
      ['US', 'INVALID_CURRENCY'],
      ['USDD', 'INVALID_CURRENCY'],
      ['XAU', 'INVALID_CURRENCY'],
      ['$', 'INVALID_CURRENCY'],
    ])('should give %j the outcome %s when cleaned', (currency, expected) => {
      expect(outcome({ currency }, OUT.currency)).toBe(expected);
    });
  });

  describe('money (cost column, in cents)', () => {
    it.each([
      ['$1,299.50', '129950'],
      ['12.5', '1250'],
      ['.5', '50'],
      ['1.230', '123'],
      ['1.2', '120'],
      ['7', '700'],
      ['1,234,567.89', '123456789'],
      ['-0', '0'],
      ['-$0.00', '0'],
      ['+5', '500'],
      ['$-0', '0'],
      ['€5', '500'],
      ['£5.05', '505'],
      ['¥12', '1200'],
      ['', '0'],
      ['12.', '1200'],
      ['0.01', '1'],
      ['1.234', 'INVALID_COST'],
      ['1,23', 'INVALID_COST'],
      ['1234,567', 'INVALID_COST'],
      ['1,2345', 'INVALID_COST'],
      [',123', 'INVALID_COST'],
      ['1.2.3', 'INVALID_COST'],
      ['1e5', 'INVALID_COST'],
      ['$', 'INVALID_COST'],
      ['-', 'INVALID_COST'],
      ['5$', 'INVALID_COST'],
      ['1 000', 'INVALID_COST'],
      ['12.5x', 'INVALID_COST'],
      ['$$5', 'INVALID_COST'],
      ['--5', 'INVALID_COST'],
      ['+-5', 'INVALID_COST'],
      ['10000000000001', 'INVALID_COST'],
      ['-$5', 'NEGATIVE_COST'],
      ['$-5', 'NEGATIVE_COST'],
      ['- $ 5', 'NEGATIVE_COST'],
      ['-0.01', 'NEGATIVE_COST'],
      ['-1,234.50', 'NEGATIVE_COST'],
    ])('should read cost %j as %s when cleaned', (cost, expected) => {
      expect(outcome({ cost, clicks: '0' }, OUT.costCents)).toBe(expected);
    });

    it('should read revenue with the same rules as cost when cleaned', () => {
      expect(outcome({ revenue: '$1,299.50' }, OUT.revenueCents)).toBe('129950');
      expect(outcome({ revenue: '-$5' }, OUT.revenueCents)).toBe('NEGATIVE_REVENUE');
    });
  });

  describe('counts (impressions column)', () => {
    it.each([
      ['12', '12'],
      ['12.0', '12'],
      ['12.000', '12'],
      ['1,234', '1234'],
      ['-0', '0'],
      ['', '0'],
      ['12.5', 'INVALID_IMPRESSIONS'],
      ['$12', 'INVALID_IMPRESSIONS'],
      ['1,23', 'INVALID_IMPRESSIONS'],
      ['1234,567', 'INVALID_IMPRESSIONS'],
      ['1e3', 'INVALID_IMPRESSIONS'],
      ['-3', 'NEGATIVE_IMPRESSIONS'],
    ])('should read impressions %j as %s when cleaned', (impressions, expected) => {
      expect(outcome({ impressions, clicks: '0' }, OUT.impressions)).toBe(expected);
    });
  });

  describe('readAmount', () => {
    it('should refuse a figure above 10^13 (cents or units) when it could only be a corrupt field', () => {
      expect(readAmount('100000000000', true)).toBe(1e13);
      expect(readAmount('100000000000.01', true)).toBeLessThan(0);
      expect(readAmount('10000000000000', false)).toBe(1e13);
      expect(readAmount('10000000000001', false)).toBeLessThan(0);
    });

    it('should return cents for money and units for counts when the text is a number', () => {
      expect(readAmount('$1,299.50', true)).toBe(129950);
      expect(readAmount('12.5', true)).toBe(1250);
      expect(readAmount('12.0', false)).toBe(12);
      expect(readAmount('', false)).toBe(0);
    });

    it('should return a negative sentinel when the text is not a non-negative number', () => {
      const sentinels = ['1.234', '-$5', '12.5', '$5', ' 5'].map((raw, i) => readAmount(raw, i < 2));
      expect(sentinels.every((v) => v < 0)).toBe(true);
      expect(readAmount('1.234', true)).not.toBe(readAmount('-$5', true));
    });
  });

  describe('normalizePlatform', () => {
    it.each([
      ['Google Ads', 'google_ads'],
      ['Tik-Tok', 'tik_tok'],
      ['META', 'meta'],
      ['LinkedIn', 'linkedin'],
      ['Google  -  Ads', 'google_ads'],
      ['google__ads', 'google_ads'],
      ['_meta_', 'meta'],
      [' meta ', 'meta'],
      ['Snap_Chat', 'snap_chat'],
      ['', ''],
      [' - ', ''],
    ])('should normalise %j to %j when it is not in stored form', (raw, expected) => {
      expect(normalizePlatform(raw)).toBe(expected);
    });

    it.each(['google_ads', 'meta', 'tiktok', 'dv360', 'a_b_c'])('should return %j as-is when it is already normal', (raw) => {
      expect(normalizePlatform(raw)).toBe(raw);
    });

    it('should normalise the platform column after trimming when a row is cleaned', () => {
      expect(cleaned({ platform: ' meta ' })[OUT.platform]).toBe('meta');
      expect(cleaned({ platform: 'Google Ads' })[OUT.platform]).toBe('google_ads');
    });
  });

  describe('readDay', () => {
    it.each(['2024-02-29', '2000-02-29', '2025-12-31', '2025-04-30', '1900-01-01', '9999-12-31'])('should return %s unchanged when it is a calendar date', (day) => {
      expect(readDay(day)).toBe(day);
    });

    it.each([
      '2025-02-30',
      '2023-02-29',
      '1900-02-29',
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-01-00',
      '1899-12-31',
      '2025/01/01',
      '2025-1-01',
      '20250101',
      '2025-0a-01',
      '2025-01-01T00:00',
      '',
      ' 2025-01-01',
    ])('should return null when %j is not a calendar date', (day) => {
      expect(readDay(day)).toBeNull();
    });
  });
});
