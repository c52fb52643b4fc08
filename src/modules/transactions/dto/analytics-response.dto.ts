import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AnalyticsMetaDto } from '@common/analytics-meta.dto';

export { AnalyticsMetaDto };

export class ZoneRowDto {
  @ApiProperty({ example: 1 }) rank: number;
  @ApiProperty({ example: 'DOWNTOWN' }) zone: string;
  @ApiProperty({ example: 1234567.89 }) totalAmount: number;
  @ApiProperty({ example: 10234 }) transactionCount: number;
  @ApiProperty({ description: '2 dp', example: 120.63 }) averageAmount: number;
}

export class ZoneLeaderboardDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [ZoneRowDto], description: 'By total amount descending, then zone ascending' }) data: ZoneRowDto[];
}

export class CategoryRowDto {
  @ApiProperty({ example: 'Grocery' }) category: string;
  @ApiProperty({ example: 1802 }) transactionCount: number;
  @ApiProperty({ description: 'Share of all transactions in scope, 1 dp', example: 18.0 }) percentage: number;
}

export class CategoryDistributionDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [CategoryRowDto], description: 'By count descending, then category ascending' }) data: CategoryRowDto[];
  @ApiProperty({ example: 10011 }) totalTransactions: number;
}

export class PaginationDto {
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: 100 }) pageSize: number;
  @ApiProperty({ example: 412 }) total: number;
  @ApiProperty({ example: 5 }) totalPages: number;
}

export class DormantMerchantDto {
  @ApiProperty({ example: 'MERCH_0042' }) merchantId: string;
  @ApiProperty({ example: 'Golden Spoon Cafe', description: "'Unknown' when no merchants import names it" }) merchantName: string;
  @ApiProperty({ example: 'NORTH', description: "'Unknown' when neither the merchants import nor its transactions give one" }) zone: string;
}

export class DormantMerchantsDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [DormantMerchantDto], description: 'By merchant id' }) data: DormantMerchantDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class HourRowDto {
  @ApiProperty({ minimum: 0, maximum: 23, example: 14 }) hour: number;
  @ApiProperty({ example: 612 }) transactionCount: number;
  @ApiProperty({ description: '2 dp; 0 for an hour without transactions', example: 87.12 }) averageAmount: number;
}

export class HourlyPatternDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [HourRowDto], description: 'Always 24 entries, hours 0–23 in tz' }) data: HourRowDto[];
  @ApiProperty({ example: 'UTC' }) tz: string;
}

export class AnomalyDto {
  @ApiProperty({ example: 'TXN_8EDFDC09' }) transactionId: string;
  @ApiProperty({ example: 4210.5 }) amount: number;
  @ApiProperty({ example: 'Electronics' }) category: string;
  @ApiProperty({ description: 'Mean of the category in scope, 2 dp', example: 402.11 }) categoryMean: number;
  @ApiProperty({ description: 'Population standard deviation of the category in scope, 2 dp', example: 390.02 }) categoryStdDev: number;
  @ApiProperty({ description: '(amount − mean) / stddev, 1 dp', example: 9.8 }) stdDevFromMean: number;
  @ApiProperty({ example: '2026-09-20T14:02:48.590Z' }) timestamp: string;
}

export class AnomaliesDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [AnomalyDto], description: 'Amount > mean + 3σ of its category; by amount descending, then transaction id' }) data: AnomalyDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class CohortMonthDto {
  @ApiProperty({ example: 1 }) monthsSince: number;
  @ApiProperty({ example: 412 }) customers: number;
  @ApiProperty({ description: 'Share of the cohort active that month, 2 dp', example: 23.5 }) percentage: number;
}

export class CohortDto {
  @ApiProperty({ description: 'First-purchase month (UTC)', example: '2026-09' }) cohort: string;
  @ApiProperty({ example: 1753 }) customers: number;
  @ApiProperty({ type: [CohortMonthDto], description: 'Months 0.. since the first purchase' }) months: CohortMonthDto[];
}

export class CustomerRetentionDto extends AnalyticsMetaDto {
  @ApiProperty({ example: 2412 }) totalUniqueCustomers: number;
  @ApiProperty({ description: 'Customers with more than one transaction', example: 731 }) repeatCustomers: number;
  @ApiProperty({ description: '2 dp', example: 30.31 }) repeatCustomerPercentage: number;
  @ApiProperty({ example: 1681 }) singleTransactionCustomers: number;
  @ApiProperty({ description: '2 dp', example: 1.62 }) averageTransactionsPerCustomer: number;
  @ApiProperty({ description: "Transactions whose phone was unusable (stored as 'INVALID'): no customer can be told from them, so they are left out above", example: 12 })
  unidentifiedTransactions: number;
  @ApiPropertyOptional({ type: [CohortDto], description: 'With cohorts=monthly' }) cohorts?: CohortDto[];
}

export class FullReportDto {
  @ApiProperty({ type: [ZoneRowDto] }) zoneLeaderboard: ZoneRowDto[];
  @ApiProperty({ type: [CategoryRowDto] }) categoryDistribution: CategoryRowDto[];
  @ApiProperty({ example: 10011 }) totalTransactions: number;
  @ApiProperty({ example: 412 }) dormantMerchantCount: number;
  @ApiProperty({ type: [HourRowDto] }) hourlyPattern: HourRowDto[];
  @ApiProperty({ example: 231 }) anomalyCount: number;
  @ApiProperty({ type: CustomerRetentionDto }) customerRetention: Omit<CustomerRetentionDto, keyof AnalyticsMetaDto>;
  @ApiProperty({ description: 'Time to answer the whole report, in ms (parts run concurrently)', example: 12.4 }) totalQueryTimeMs: number;
  @ApiProperty({ example: 12.4 }) queryTimeMs: number;
  @ApiProperty({ example: false }) cached: boolean;
  @ApiProperty({ example: '7' }) dataVersion: string;
}
