import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors } from '@common/api-errors.decorator';
import { MinRole, OrgId } from '@modules/auth/auth.context';
import { ClearDataResponseDto, LoadDataResponseDto, LoadDirectoryDto, TablePageDto, TablePageQuery } from './dto/store-monitoring.dto';
import { StoreMonitoringService } from './store-monitoring.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Audited } from '@modules/audit/audited';
import { RateLimitClass } from '@common/rate-limit/rate-limits';

const FILE = { type: 'string', format: 'binary' };

@ApiTags('Store monitoring')
@ApiAuth()
@ApiExtraModels(LoadDirectoryDto)
@Controller('store-monitoring')
export class StoreMonitoringController {
  constructor(private readonly storeMonitoring: StoreMonitoringService) {}

  @Post('data')
  @RateLimitClass('imports')
  @Audited('store-data.load', 'store-data')
  @MinRole('analyst')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Load the store feeds: upload any of the three files, or load them from STORE_DATA_DIR',
    description:
      'multipart/form-data with any of the file parts `store_status`, `menu_hours`, `timezones` (each becomes an import of kind ' +
      'store-status, business-hours or timezones; all are checked before any is queued), or JSON `{"source":"directory"}` to load ' +
      'store_status.csv, menu_hours.csv and timezones.csv from the server folder STORE_DATA_DIR. Answers 202 with the imports; ' +
      'follow each at its links.self. Polls are appended (a repeated store_id + timestamp_utc is rejected as DUPLICATE); ' +
      "hours and time zones replace the same stores' earlier rows.",
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [{ type: 'object', properties: { store_status: FILE, menu_hours: FILE, timezones: FILE } }, { $ref: getSchemaPath(LoadDirectoryDto) }],
    },
  })
  @ApiAcceptedResponse({ type: LoadDataResponseDto })
  @ApiErrors(400, 401, 403, 413, 415, 503)
  load(@OrgId() orgId: string, @Req() req: Request): Promise<LoadDataResponseDto> {
    return this.storeMonitoring.load(orgId, req);
  }

  @Delete('data')
  @Audited('store-data.delete', 'store-data')
  @MinRole('analyst')
  @ApiOperation({
    summary: "Clear the organization's store data",
    description: 'Removes every store-monitoring import with its rows (loading ones are cancelled). Reports already made are kept.',
  })
  @ApiOkResponse({ type: ClearDataResponseDto })
  @ApiErrors(401, 403)
  clear(@OrgId() orgId: string): Promise<ClearDataResponseDto> {
    return this.storeMonitoring.clear(orgId);
  }

  @Get('data/:table')
  @ApiOperation({ summary: 'Page through a stored feed', description: '`table` is storestatus, businesshour or timezone; 100 rows a page by default, ordered by store.' })
  @ApiParam({ name: 'table', enum: ['storestatus', 'businesshour', 'timezone'] })
  @ApiOkResponse({ type: TablePageDto })
  @ApiErrors(400, 401)
  page(@OrgId() orgId: string, @Param('table') table: string, @Query() q: TablePageQuery): Promise<TablePageDto> {
    return this.storeMonitoring.page(orgId, table, q);
  }
}
