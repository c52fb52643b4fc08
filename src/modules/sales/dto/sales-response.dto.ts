import { ApiProperty } from '@nestjs/swagger';
import { AnalyticsMetaDto } from '@common/analytics-meta.dto';

export class MonthRowDto {
  @ApiProperty({ example: '2024-03' }) month: string;
  @ApiProperty({ description: 'Σ quantity × unit_price × (1 − discount), 2 dp', example: 1523400.17 }) revenue: number;
  @ApiProperty({ example: 8123 }) quantity: number;
  @ApiProperty({ description: 'Plain mean of discount_percent over the month’s records, 4 dp', example: 0.1498 }) avgDiscount: number;
  @ApiProperty({ description: 'Cleaned records in the month', example: 812 }) records: number;
}

export class MonthlySummaryDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [MonthRowDto], description: 'Ascending by month (UTC)' }) data: MonthRowDto[];
}

export class ProductRowDto {
  @ApiProperty({ example: 1 }) rank: number;
  @ApiProperty({ example: 'Laptop Pro 15' }) product: string;
  @ApiProperty({ description: '2 dp', example: 4012345.5 }) revenue: number;
  @ApiProperty({ example: 3200 }) quantity: number;
}

export class TopProductsDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [ProductRowDto], description: 'By revenue descending, then product ascending' }) data: ProductRowDto[];
}

export class RegionRowDto {
  @ApiProperty({ example: 'North' }) region: string;
  @ApiProperty({ description: '2 dp', example: 3012345.5 }) revenue: number;
  @ApiProperty({ example: 9120 }) quantity: number;
}

export class RegionPerformanceDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [RegionRowDto], description: 'By revenue descending, then region ascending' }) data: RegionRowDto[];
}

export class CategoryDiscountRowDto {
  @ApiProperty({ example: 'Electronics' }) category: string;
  @ApiProperty({ description: 'Σ(revenue × discount) / Σ revenue, 4 dp (0 when revenue is 0)', example: 0.1512 }) weightedAvgDiscount: number;
  @ApiProperty({ description: '2 dp', example: 6012345.5 }) revenue: number;
}

export class CategoryDiscountsDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [CategoryDiscountRowDto], description: 'By weighted discount descending, then category ascending' }) data: CategoryDiscountRowDto[];
}

export class SalesRecordDto {
  @ApiProperty({ example: 'ORD-00001234-5678' }) orderId: string;
  @ApiProperty({ example: 'Laptop Pro 15' }) product: string;
  @ApiProperty({ example: 'Electronics' }) category: string;
  @ApiProperty({ example: 'North' }) region: string;
  @ApiProperty({ example: 150 }) quantity: number;
  @ApiProperty({ example: 1299.5 }) unitPrice: number;
  @ApiProperty({ example: 0.1 }) discount: number;
  @ApiProperty({ description: 'Exact (quantity × unit_price × (1 − discount))', example: 175432.5 }) revenue: number;
  @ApiProperty({ example: '2024-11-29T00:00:00.000Z' }) saleDate: string;
  @ApiProperty({ format: 'uuid' }) importId: string;
  @ApiProperty({ description: 'Line of the record in its file', example: 1024 }) line: number;
}

export class AnomalyRowDto extends SalesRecordDto {
  @ApiProperty({ example: 7 }) score: number;
  @ApiProperty({ type: [String], example: ['revenue 175432.50 is over 10 × the average revenue (4101.22)', 'quantity 150 > 100 at unit price 1299.50 > 500'] })
  reasons: string[];
}

export class ScopeAveragesDto {
  @ApiProperty({ description: 'Records in scope', example: 1000000 }) records: number;
  @ApiProperty({ description: '4 dp', example: 4101.2234 }) revenue: number;
  @ApiProperty({ description: '4 dp', example: 10.53 }) quantity: number;
  @ApiProperty({ description: '4 dp', example: 512.08 }) unitPrice: number;
}

export class SalesAnomaliesDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [AnomalyRowDto], description: 'Score ≥ 2, by score descending, then revenue descending' }) data: AnomalyRowDto[];
  @ApiProperty({ type: ScopeAveragesDto, description: 'The averages over the records in scope the rules compare with' }) averages: ScopeAveragesDto;
}

export class TopTransactionRowDto extends SalesRecordDto {
  @ApiProperty({ example: 1 }) rank: number;
}

export class TopTransactionsDto extends AnalyticsMetaDto {
  @ApiProperty({ type: [TopTransactionRowDto], description: 'By revenue descending, then order id ascending' }) data: TopTransactionRowDto[];
}

export class DataQualityDto extends AnalyticsMetaDto {
  @ApiProperty({ description: 'Data rows read from the files', example: 100000 }) recordsProcessed: number;
  @ApiProperty({ description: 'Rows kept after cleaning', example: 92510 }) recordsCleaned: number;
  @ApiProperty({ description: 'Rows dropped', example: 7490 }) recordsDropped: number;
  @ApiProperty({ description: 'recordsCleaned / recordsProcessed in %, 2 dp', example: 92.51 }) successRate: number;
  @ApiProperty({ description: 'Dropped rows per reason code', example: { INVALID_QUANTITY: 3012, MISSING_DATE: 1490 } }) dropsByReason: Record<string, number>;
  @ApiProperty({ description: 'Order ids found on more than one kept row (all are kept)', example: 412 }) duplicateOrderIds: number;
  @ApiProperty({ description: 'Kept rows beyond the first of each repeated order id', example: 415 }) duplicateRows: number;
  @ApiProperty({ description: 'Sales imports in scope', example: 2 }) imports: number;
}
