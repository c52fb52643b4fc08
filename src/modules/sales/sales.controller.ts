import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@common/api-errors.decorator';
import { CsvColumns, CsvFormatInterceptor } from '@common/interceptors/csv-format.interceptor';
import { Auth, AuthContext, MinRole, OrgId } from '@modules/auth/auth.context';
import { ImportResponseDto } from '@modules/ingestion/dto/import-response.dto';
import { CreateDemoRunDto } from './dto/demo-run.dto';
import { DataQualityQuery, SalesAnomaliesQuery, SalesFilterQuery, TopProductsQuery, TopTransactionsQuery } from './dto/sales-query.dto';
import { CategoryDiscountsDto, DataQualityDto, MonthlySummaryDto, RegionPerformanceDto, SalesAnomaliesDto, TopProductsDto, TopTransactionsDto } from './dto/sales-response.dto';
import { SalesDemoService } from './sales-demo.service';
import { SalesService } from './sales.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

const FILTERS =
  "Scoped to the caller's organization. Optional `from` (inclusive) and `to` (exclusive) days YYYY-MM-DD and `importId`; " +
  '`format=csv` answers text/csv. Exact, reflects every import the moment it is published, cached per data version.';
const RECORD_COLUMNS = ['orderId', 'product', 'category', 'region', 'quantity', 'unitPrice', 'discount', 'revenue', 'saleDate', 'importId', 'line'];

@ApiTags('Sales')
@ApiAuth()
@ApiErrors(400, 401, 404)
@UseInterceptors(CsvFormatInterceptor)
@Controller('sales')
export class SalesController {
  constructor(
    private readonly sales: SalesService,
    private readonly demo: SalesDemoService,
  ) {}

  @Get('monthly-summary')
  @ApiOperation({ summary: 'Revenue, quantity and mean discount per month', description: `Months YYYY-MM ascending. ${FILTERS}` })
  @ApiOkResponse({ type: MonthlySummaryDto })
  @ApiProduces('application/json', 'text/csv')
  @CsvColumns('month', 'revenue', 'quantity', 'avgDiscount', 'records')
  monthlySummary(@Auth() auth: AuthContext, @Query() q: SalesFilterQuery): Promise<MonthlySummaryDto> {
    return this.sales.monthlySummary(auth, q);
  }

  @Get('top-products')
  @ApiOperation({ summary: 'Products by revenue', description: `Top \`limit\` (default 10) by revenue descending, with quantity. ${FILTERS}` })
  @ApiOkResponse({ type: TopProductsDto })
  @ApiProduces('application/json', 'text/csv')
  @CsvColumns('rank', 'product', 'revenue', 'quantity')
  topProducts(@Auth() auth: AuthContext, @Query() q: TopProductsQuery): Promise<TopProductsDto> {
    return this.sales.topProducts(auth, q);
  }

  @Get('region-performance')
  @ApiOperation({ summary: 'Revenue and quantity per region', description: `By revenue descending. ${FILTERS}` })
  @ApiOkResponse({ type: RegionPerformanceDto })
  @ApiProduces('application/json', 'text/csv')
  @CsvColumns('region', 'revenue', 'quantity')
  regionPerformance(@Auth() auth: AuthContext, @Query() q: SalesFilterQuery): Promise<RegionPerformanceDto> {
    return this.sales.regionPerformance(auth, q);
  }

  @Get('category-discounts')
  @ApiOperation({ summary: 'Revenue-weighted average discount per category', description: `Σ(revenue × discount) / Σ revenue (0 when revenue is 0), descending. ${FILTERS}` })
  @ApiOkResponse({ type: CategoryDiscountsDto })
  @ApiProduces('application/json', 'text/csv')
  @CsvColumns('category', 'weightedAvgDiscount', 'revenue')
  categoryDiscounts(@Auth() auth: AuthContext, @Query() q: SalesFilterQuery): Promise<CategoryDiscountsDto> {
    return this.sales.categoryDiscounts(auth, q);
  }

  @Get('anomalies')
  @ApiOperation({
    summary: 'The records with the highest anomaly score',
    description:
      'Score over the averages of the records in scope: revenue > 10 × average +3; quantity > 5 × average +2; unit price > 5 × average +2; ' +
      'discount > 0.7 +1; unit price > 1000 with discount > 0.5 +2; revenue > 50,000 +1; quantity > 100 at unit price > 500 +2. ' +
      `Records scoring ≥ 2, by score then revenue descending; \`limit\` default 5. ${FILTERS}`,
  })
  @ApiOkResponse({ type: SalesAnomaliesDto })
  @ApiProduces('application/json', 'text/csv')
  @CsvColumns('score', 'reasons', ...RECORD_COLUMNS)
  anomalies(@Auth() auth: AuthContext, @Query() q: SalesAnomaliesQuery): Promise<SalesAnomaliesDto> {
    return this.sales.anomalies(auth, q);
  }

  @Get('top-transactions')
  @ApiOperation({ summary: 'The highest-revenue records', description: `Top \`limit\` (default 10) by revenue descending, then order id. ${FILTERS}` })
  @ApiOkResponse({ type: TopTransactionsDto })
  @ApiProduces('application/json', 'text/csv')
  @CsvColumns('rank', ...RECORD_COLUMNS)
  topTransactions(@Auth() auth: AuthContext, @Query() q: TopTransactionsQuery): Promise<TopTransactionsDto> {
    return this.sales.topTransactions(auth, q);
  }

  @Get('data-quality')
  @ApiOperation({
    summary: 'What cleaning kept and dropped',
    description:
      "Rows processed, kept and dropped (by reason) and repeated order ids, over all the organization's sales imports or one (`importId`). `format=csv` gives metric,value lines.",
  })
  @ApiOkResponse({ type: DataQualityDto })
  @ApiProduces('application/json', 'text/csv')
  dataQuality(@Auth() auth: AuthContext, @Query() q: DataQualityQuery): Promise<DataQualityDto> {
    return this.sales.dataQuality(auth, q);
  }

  @Post('demo-runs')
  @RateLimitClass('imports')
  @Audited('import.create', 'import')
  @MinRole('analyst')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Generate a realistic messy sales file on the server and import it',
    description:
      'The same generator as `npm run generate -- --kind sales`: misspelled names, mixed date formats, "5 units" quantities, "$1,299.50" prices, ' +
      'discounts over 1, missing dates, extreme values, repeated order ids, at `errorRate`. Answers 202 with the import once the file is on disk ' +
      '(about a second per million rows); follow it at /imports/{id}.',
  })
  @ApiAcceptedResponse({ type: ImportResponseDto })
  @ApiErrors(400, 401, 403, 503)
  createDemoRun(@OrgId() orgId: string, @Body() dto: CreateDemoRunDto): Promise<ImportResponseDto> {
    return this.demo.create(orgId, dto);
  }
}
