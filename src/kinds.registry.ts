import { DatasetKind } from './kind.types';
import { merchantsKind } from './merchants.kind';
import { salesKind } from './sales.kind';
import { businessHoursKind, storeStatusKind, timezonesKind } from './store-monitoring.kinds';
import { transactionsKind } from './transactions.kind';

/** Every importable kind. */
export const KINDS: DatasetKind[] = [transactionsKind, merchantsKind, salesKind, storeStatusKind, businessHoursKind, timezonesKind];
