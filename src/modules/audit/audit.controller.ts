import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ApiErrors } from '@common/api-errors.decorator';
import { ApiAuth } from '@modules/auth/api-auth.decorator';
import { MinRole, OrgId } from '@modules/auth/auth.context';
import { AuditService } from './audit.service';

export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'An action (`user.create`) or a family of them (`user.*`)', example: 'auth.login' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z-]+(\.[a-z-]+)*(\.\*)?$/, { message: 'action must look like user.create or user.*' })
  action?: string;

  @ApiPropertyOptional({ description: 'The API key or user that acted' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  actorId?: string;

  @ApiPropertyOptional({ description: 'The thing acted on (an import, key, user, schedule id...)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  targetId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or after this instant' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events before this instant' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  to?: Date;

  @ApiPropertyOptional({ description: "The previous page's nextBefore: events older than it" })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be an event id' })
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 100;
}

export class AuditEventDto {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) orgId: string | null;
  @ApiProperty({ description: 'Who acted', example: { type: 'user', id: '7c0e…' } }) actor: { type: string; id: string | null };
  @ApiProperty({ example: 'import.delete' }) action: string;
  @ApiProperty({ nullable: true, example: { type: 'import', id: '2b1f…' } }) target: { type: string; id: string | null } | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) requestId: string | null;
  @ApiPropertyOptional({ type: Object, nullable: true }) details: Record<string, unknown> | null;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `before` for the next (older) page; null on the last' }) nextBefore: string | null;
}

@ApiTags('Audit')
@ApiAuth()
@Controller('audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @MinRole('admin')
  @ApiOperation({ summary: "The organization's audit events, newest first: changes to keys, users, imports, schedules and templates, and every login" })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors(400, 401, 403)
  async list(@OrgId() orgId: string, @Query() q: AuditQueryDto): Promise<AuditPageDto> {
    const rows = await this.audit.list(orgId, { ...q, limit: q.limit });
    return {
      items: rows.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        orgId: r.org_id,
        actor: { type: r.actor_type, id: r.actor_id },
        action: r.action,
        target: r.target_type ? { type: r.target_type, id: r.target_id } : null,
        ip: r.ip,
        requestId: r.request_id,
        details: r.details,
      })),
      nextBefore: rows.length === q.limit ? rows[rows.length - 1].id : null,
    };
  }
}
