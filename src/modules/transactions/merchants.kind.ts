import { createMerchantsCleaner } from '@libs/cleaners';
import type { DatasetKind } from '@libs/ingest';

export const merchantsKind: DatasetKind = {
  name: 'merchants',
  description: 'Merchants known to the organization (so that merchants without transactions can be found)',
  columns: [
    { name: 'MERCHANT_ID', required: true, description: 'Unique per organization; repeats are rejected as DUPLICATE_ID' },
    { name: 'NAME', required: false, description: 'Display name' },
    { name: 'ZONE', required: false, description: 'Zone; upper-cased' },
  ],
  table: 'merchants',
  copyColumns: ['merchant_id', 'name', 'zone'],
  copyTypes: ['text', 'text', 'text'],
  uniqueKey: ['merchant_id'],
  createCleaner: createMerchantsCleaner,
};
