import { DatasetKind } from './kind.types';
import { merchantsKind } from './merchants.kind';
import { salesKind } from './sales.kind';
import { transactionsKind } from './transactions.kind';

/** Every importable kind. */
export const KINDS: DatasetKind[] = [transactionsKind, merchantsKind, salesKind];
