import { CreateCore1764000000000 } from './1764000000000-CreateCore';
import { CreateTransactionsAndMerchants1764000000001 } from './1764000000001-CreateTransactionsAndMerchants';
import { CreateTransactionRollups1764000000002 } from './1764000000002-CreateTransactionRollups';
import { CreateTransactionCustomers1764000000003 } from './1764000000003-CreateTransactionCustomers';
import { CreateSales1764000000004 } from './1764000000004-CreateSales';
import { CreateStoreMonitoring1764000000005 } from './1764000000005-CreateStoreMonitoring';
import { ImportFormatsAndDurability1764000000006 } from './1764000000006-ImportFormatsAndDurability';
import { MissingRollups1764000000007 } from './1764000000007-MissingRollups';
import { CreateMarketing1764000000008 } from './1764000000008-CreateMarketing';
import { SupersededFigures1764000000009 } from './1764000000009-SupersededFigures';
import { CreateMessaging1764000000010 } from './1764000000010-CreateMessaging';
import { MessageSlots1764000000011 } from './1764000000011-MessageSlots';
import { CreateReports1764000000012 } from './1764000000012-CreateReports';
import { ReportSchedules1764000000013 } from './1764000000013-ReportSchedules';
import { UsersSessionsAudit1764000000014 } from './1764000000014-UsersSessionsAudit';
import { PlatformRoleByKey1764000000015 } from './1764000000015-PlatformRoleByKey';
import { SalesImportSummaries1764000000016 } from './1764000000016-SalesImportSummaries';
import { CategoryAmountKey1764000000017 } from './1764000000017-CategoryAmountKey';
import { SalesCandidateWindows1764000000018 } from './1764000000018-SalesCandidateWindows';
import { CustomerHours1764000000019 } from './1764000000019-CustomerHours';
import { CustomerIdsWithoutForeignKey1764000000020 } from './1764000000020-CustomerIdsWithoutForeignKey';
import { AnomalyTailsIndexOnly1764000000021 } from './1764000000021-AnomalyTailsIndexOnly';

/** Every migration, in order; listed explicitly so compiled and ts-jest runs load the same set. */
export const MIGRATIONS = [
  CreateCore1764000000000,
  CreateTransactionsAndMerchants1764000000001,
  CreateTransactionRollups1764000000002,
  CreateTransactionCustomers1764000000003,
  CreateSales1764000000004,
  CreateStoreMonitoring1764000000005,
  ImportFormatsAndDurability1764000000006,
  MissingRollups1764000000007,
  CreateMarketing1764000000008,
  SupersededFigures1764000000009,
  CreateMessaging1764000000010,
  MessageSlots1764000000011,
  CreateReports1764000000012,
  ReportSchedules1764000000013,
  UsersSessionsAudit1764000000014,
  PlatformRoleByKey1764000000015,
  SalesImportSummaries1764000000016,
  CategoryAmountKey1764000000017,
  SalesCandidateWindows1764000000018,
  CustomerHours1764000000019,
  CustomerIdsWithoutForeignKey1764000000020,
  AnomalyTailsIndexOnly1764000000021,
];
