import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RateLimitClass } from '@common/rate-limit/rate-limits';
import { Public } from '@modules/auth/auth.context';
import { HealthService, ReadinessReport } from './health.service';

class LiveDto {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiProperty() uptimeSeconds: number;
}

class CheckDto {
  @ApiProperty({ enum: ['up', 'down'] }) status: 'up' | 'down';
}

class ReadyDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status: 'ok' | 'unavailable';
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/CheckDto' } })
  checks: Record<string, CheckDto>;
  @ApiProperty({ required: false, enum: [true], description: 'Present while the process drains after SIGTERM (503): it finishes what it has and takes no new work' })
  shuttingDown?: true;
}

@ApiTags('Health')
@Public()
@RateLimitClass('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ type: LiveDto })
  live(): LiveDto {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Postgres and Redis reachable, migrations applied, and not shutting down' })
  @ApiOkResponse({ type: ReadyDto })
  @ApiServiceUnavailableResponse({ type: ReadyDto, description: 'checks names the dependency that is down (its error text goes to the log, not to the caller)' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    res.status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
