import { createMarketingCleaner } from '@libs/cleaners';
import type { DatasetKind } from '@libs/ingest';
import { hideMarketing, MARKETING_ROLLUP_TABLES, publishMarketing } from './marketing.publish';

const COUNT = 'Whole number ≥ 0 ("1,234" and "12.0" accepted); empty is 0';
const MONEY = 'Amount ≥ 0 with up to 2 decimals; a leading $ € £ ¥ and "," thousands separators are accepted ("$1,299.50"); empty is 0';

export const marketingKind: DatasetKind = {
  name: 'marketing',
  description:
    'Daily ad-platform exports (Google Ads, Meta, TikTok…): one row per ad (or campaign) and day. A key (platform, campaign_id, ad_group_id, ad_id, date) ' +
    'repeated within a file is rejected as DUPLICATE_KEY (the first wins); sent again in a later import it restates the day: the later upload wins ' +
    '(counted in rowsReplaced) and deleting it brings the earlier values back',
  columns: [
    { name: 'campaign_id', required: true, description: 'Campaign identifier; empty → MISSING_CAMPAIGN_ID' },
    { name: 'platform', required: true, description: 'Ad platform, lower-cased with spaces and dashes as "_" ("Google Ads" → google_ads); empty → MISSING_PLATFORM' },
    { name: 'date', required: true, description: 'The day, YYYY-MM-DD; empty → MISSING_DATE, anything else INVALID_DATE' },
    { name: 'campaign_name', required: false, description: 'Shown with the campaign (the name on its latest day)' },
    { name: 'ad_group_id', required: false, description: 'Ad group identifier; empty when the platform gives no ad group level' },
    { name: 'ad_group_name', required: false, description: 'Ad group name' },
    { name: 'ad_id', required: false, description: 'Ad identifier; empty when the row is a whole campaign or ad group' },
    { name: 'ad_name', required: false, description: 'Ad name' },
    { name: 'creative_url', required: false, description: 'Creative URL, kept as given' },
    { name: 'impressions', required: false, description: `${COUNT}; negative → NEGATIVE_IMPRESSIONS, else INVALID_IMPRESSIONS` },
    {
      name: 'clicks',
      required: false,
      description: `${COUNT}; negative → NEGATIVE_CLICKS, else INVALID_CLICKS; more clicks than impressions (impressions > 0) → CLICKS_EXCEED_IMPRESSIONS`,
    },
    { name: 'conversions', required: false, description: `${COUNT}; negative → NEGATIVE_CONVERSIONS, else INVALID_CONVERSIONS` },
    { name: 'cost', required: false, description: `Spend. ${MONEY}; negative → NEGATIVE_COST, else INVALID_COST` },
    { name: 'revenue', required: false, description: `Conversion value. ${MONEY}; negative → NEGATIVE_REVENUE, else INVALID_REVENUE` },
    { name: 'currency', required: false, description: 'ISO 4217 code, any case (default USD); else INVALID_CURRENCY' },
  ],
  table: 'marketing',
  windowColumn: 'day',
  copyColumns: [
    'platform',
    'campaign_id',
    'campaign_name',
    'ad_group_id',
    'ad_group_name',
    'ad_id',
    'ad_name',
    'creative_url',
    'day',
    'impressions',
    'clicks',
    'conversions',
    'cost_cents',
    'revenue_cents',
    'currency',
  ],
  copyTypes: ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'date', 'int8', 'int8', 'int8', 'int8', 'int8', 'text'],
  uniqueKey: ['platform', 'campaign_id', 'ad_group_id', 'ad_id', 'day'],
  duplicateReason: 'DUPLICATE_KEY',
  isLaterImportWinning: true,
  // The unique key's index (built for every kind with one) serves restatement lookups and the
  // campaign, ad group and ad filters; the day index serves windows over ad-level rows.
  indexes: [
    { suffix: 'day', columns: '(day)' },
    { suffix: 'ad', columns: '(ad_id, day)' },
    { suffix: 'adgroup', columns: '(ad_group_id, day)' },
  ],
  createCleaner: createMarketingCleaner,
  publish: publishMarketing,
  onHide: hideMarketing,
  rollupTables: MARKETING_ROLLUP_TABLES,
};
