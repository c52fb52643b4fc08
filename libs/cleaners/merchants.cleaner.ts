import { CleanValues, CleanerContext, Reject, RowCleaner } from './cleaner.types';
import { trimField } from './text';

/**
 * Row cleaner for the `merchants` kind.
 * Input columns: MERCHANT_ID (required), NAME (optional), ZONE (optional).
 * Output (COPY order): merchant_id, name, zone — empty optional values become null (SQL NULL).
 */

const MISSING_MERCHANT_ID = new Reject('MISSING_MERCHANT_ID');

// ctx is part of the common factory signature; merchants have no time-dependent rule.
export function createMerchantsCleaner(_ctx: CleanerContext): RowCleaner {
  return function cleanMerchantRow(fields: string[]): CleanValues | Reject {
    const merchantId = trimField(fields[0]);
    if (merchantId === '') return MISSING_MERCHANT_ID;
    const name = trimField(fields[1]);
    const zone = trimField(fields[2]);
    return [merchantId, name === '' ? null : name, zone === '' ? null : zone.toUpperCase()];
  };
}
