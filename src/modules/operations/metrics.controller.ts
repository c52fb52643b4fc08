import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '@common/api-errors.decorator';
import { Metrics } from '@common/metrics/metrics.service';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { Public } from '@modules/auth/auth.context';
import { MetricsGuard } from './metrics.guard';

@ApiTags('Operations')
@ApiAuth()
@Public()
@UseGuards(MetricsGuard)
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @ApiOperation({
    summary: "This process's metrics in the Prometheus text format (admin, or METRICS_TOKEN as Authorization: Bearer)",
    description:
      'HTTP request durations by route pattern and status, imports by kind and outcome, rows loaded and rejected, import ' +
      'and queue job durations, queue depth per queue and state, reports, schedule runs and deliveries by outcome, answer ' +
      'cache hits, database pool use, event-loop lag and memory. Counters are per process: scrape every api process here ' +
      'and every worker on its METRICS_PORT.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    schema: { type: 'string', example: 'analytics_imports_total{kind="transactions",outcome="completed"} 3' },
  })
  @ApiErrors(401, 403)
  scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.setHeader('Content-Type', this.metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    return this.metrics.text();
  }
}
