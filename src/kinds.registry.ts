import type { DatasetKind } from '@libs/ingest';
import { merchantsKind } from '@modules/transactions/merchants.kind';
import { marketingKind } from '@modules/marketing/marketing.kind';
import { engagementEventsKind, messageEventsKind, systemMetricsKind } from '@modules/messaging/messaging.kinds';
import { salesKind } from '@modules/sales/sales.kind';
import { businessHoursKind, storeStatusKind, timezonesKind } from '@modules/store-monitoring/store-monitoring.kinds';
import { transactionsKind } from '@modules/transactions/transactions.kind';

/** Every importable kind. */
export const KINDS: DatasetKind[] = [
  transactionsKind,
  merchantsKind,
  salesKind,
  storeStatusKind,
  businessHoursKind,
  timezonesKind,
  marketingKind,
  messageEventsKind,
  engagementEventsKind,
  systemMetricsKind,
];
