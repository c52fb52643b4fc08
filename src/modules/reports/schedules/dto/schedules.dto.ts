import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { EXPORT_FORMATS, ExportFormat } from '@libs/export';

export const RUN_STATES = ['PENDING', 'RUNNING', 'RETRYING', 'SUCCESS', 'FAILED', 'SKIPPED'] as const;

class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize: number = 20;
}

// ── templates ────────────────────────────────────────────────────────────────────────────────

export class CreateTemplateDto {
  @ApiProperty({ example: 'Weekly sales summary', description: 'Unique in the organization', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'sales.monthly-summary', description: 'A source of GET /api/v1/report-sources' })
  @IsString()
  @MaxLength(100)
  source!: string;

  @ApiPropertyOptional({ example: {}, description: "The source's parameters, checked as POST /reports checks them", default: {} })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiProperty({ enum: EXPORT_FORMATS })
  @IsIn(EXPORT_FORMATS)
  format!: ExportFormat;
}

export class UpdateTemplateDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  source?: string;

  @ApiPropertyOptional({ description: 'Replaces the parameters (give them all)' })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: EXPORT_FORMATS })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;
}

export class TemplateDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() source!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: Record<string, unknown>;
  @ApiProperty({ enum: EXPORT_FORMATS }) format!: ExportFormat;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class TemplateListDto {
  @ApiProperty({ type: [TemplateDto] }) data!: TemplateDto[];
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() total!: number;
}

export class ListTemplatesQuery extends PageQuery {}

// ── schedules ────────────────────────────────────────────────────────────────────────────────

const DELIVERIES_DOC =
  'Each delivery is `{"type":"webhook","url":"https://…","secret":"…","attachFile":false}` (POSTs JSON {deliveryId, schedule, run, report: {id, format, rows, ' +
  'downloadUrl, …}}; `X-Signature: sha256=<hex HMAC-SHA256 of the raw body under secret>`; attachFile: multipart with parts payload and file) or ' +
  '`{"type":"email","to":["a@b.c"],"attach":true,"subject":"…"}` (the file attached under EMAIL_ATTACHMENT_MAX_BYTES, else a signed link). ' +
  'Failed tries are retried DELIVERY_ATTEMPTS times with exponential backoff; a webhook answering 4xx (except 408, 425, 429) is not retried.';

const CRON_DOC =
  'Cron read in `timezone`: five fields (minute hour day-of-month month day-of-week; names, ranges, steps, @daily…), firing at second 0, ' +
  'or six with a seconds field first (second minute hour day-of-month month day-of-week): `30 0 9 * * *` fires at 09:00:30, `*/15 * * * * *` every 15 s. ' +
  'Ticks closer together than the workers poll (SCHEDULER_POLL_MS, 5 s by default) are not all run: each poll runs the latest due one (a catch-up run counting the others). ' +
  'A bad field, a seventh field (years) or a cron that never fires → 400 INVALID_CRON naming the problem.';

export class CreateScheduleDto {
  @ApiProperty({ format: 'uuid', description: 'The report template it runs' })
  @IsUUID()
  templateId!: string;

  @ApiPropertyOptional({ example: 'Finance, Mondays', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ example: '0 9 * * 1', description: CRON_DOC })
  @IsString()
  @MaxLength(200)
  cron!: string;

  @ApiProperty({
    example: 'Europe/London',
    description:
      'IANA time zone the cron is read in (required: no server default). A local time skipped by DST fires at the first instant after the gap; one that occurs twice fires once (at its first occurrence) unless the hour field is *.',
  })
  @IsString()
  @MaxLength(100)
  timezone!: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    description: DELIVERIES_DOC,
    example: [{ type: 'webhook', url: 'https://example.com/hooks/reports', secret: 'change-me-please' }],
  })
  @IsOptional()
  @IsArray()
  deliveries?: unknown[];

  @ApiPropertyOptional({ default: true, description: 'false: paused (no ticks; run-now still works)' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: false, description: 'A run whose report has no rows is SKIPPED: no deliveries' })
  @IsOptional()
  @IsBoolean()
  skipIfEmpty?: boolean;
}

export class UpdateScheduleDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  templateId?: string;

  @ApiPropertyOptional({ maxLength: 200, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: '0 9 * * 1', description: `A new cron replaces the next tick at once. ${CRON_DOC}` })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cron?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  timezone?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object' },
    description: `Replaces the deliveries. A webhook given without its secret keeps the one it had for the same URL. ${DELIVERIES_DOC}`,
  })
  @IsOptional()
  @IsArray()
  deliveries?: unknown[];

  @ApiPropertyOptional({ description: 'false pauses; true resumes from the next tick after now (paused ticks are not caught up)' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  skipIfEmpty?: boolean;
}

export class ListSchedulesQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  templateId?: string;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  enabled?: boolean;
}

export class DeliveryOutcomeDto {
  @ApiProperty({ description: "Position in the schedule's deliveries" }) index!: number;
  @ApiProperty({ enum: ['webhook', 'email'] }) type!: string;
  @ApiProperty({ description: 'URL or recipients' }) target!: string;
  @ApiProperty({ enum: ['PENDING', 'RETRYING', 'SUCCESS', 'FAILED'] }) state!: string;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ nullable: true, description: "The webhook's HTTP status, or the SMTP reply code of a failure" }) lastStatus!: number | null;
  @ApiPropertyOptional({ nullable: true }) lastError!: string | null;
  @ApiPropertyOptional({ nullable: true }) nextAttemptAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) deliveredAt!: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'e.g. fileAttached, attached, messageId' }) detail!: Record<string, unknown>;
}

export class RunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) scheduleId!: string;
  @ApiProperty({ description: 'The tick (UTC) this run is for; a manual run: when it was asked for' }) scheduledFor!: string;
  @ApiProperty({ description: "The same instant in the schedule's time zone, with its offset" }) scheduledForLocal!: string;
  @ApiProperty({ enum: ['tick', 'catch-up', 'manual'], description: 'catch-up: the one run for ticks missed while no worker ran' }) trigger!: string;
  @ApiProperty({ description: 'Ticks missed before this catch-up run (not run)' }) missedTicks!: number;
  @ApiProperty({ enum: RUN_STATES }) state!: string;
  @ApiPropertyOptional({ nullable: true, format: 'uuid' }) reportId!: string | null;
  @ApiProperty({ description: 'Attempts at the report (a worker that died counts one)' }) attempts!: number;
  @ApiPropertyOptional({ nullable: true, description: 'host:pid of the worker that ran it last' }) worker!: string | null;
  @ApiPropertyOptional({ nullable: true }) error!: string | null;
  @ApiProperty({ type: [DeliveryOutcomeDto] }) deliveries!: DeliveryOutcomeDto[];
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) startedAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) endedAt!: string | null;
}

export class RunListDto {
  @ApiProperty({ type: [RunDto] }) data!: RunDto[];
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() total!: number;
}

export class ListRunsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RUN_STATES })
  @IsOptional()
  @IsIn(RUN_STATES)
  state?: (typeof RUN_STATES)[number];
}

export class ScheduleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiPropertyOptional({ nullable: true }) name!: string | null;
  @ApiProperty({ format: 'uuid' }) templateId!: string;
  @ApiProperty() cron!: string;
  @ApiProperty() timezone!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Webhook secrets are never shown: hasSecret says whether one is set' }) deliveries!: Record<
    string,
    unknown
  >[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty() skipIfEmpty!: boolean;
  @ApiPropertyOptional({ nullable: true, description: 'The next tick (UTC); null while paused' }) nextRunAt!: string | null;
  @ApiPropertyOptional({ nullable: true, description: "The next tick in the schedule's time zone, with its offset" }) nextRunAtLocal!: string | null;
  @ApiPropertyOptional({ nullable: true, type: RunDto }) lastRun!: RunDto | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ScheduleListDto {
  @ApiProperty({ type: [ScheduleDto] }) data!: ScheduleDto[];
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() total!: number;
}

export class RunCreatedDto {
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ enum: RUN_STATES }) state!: string;
}

export class ReportLinkQuery {
  @ApiProperty({ description: 'Unix seconds the link is valid until' })
  @IsString()
  @MaxLength(20)
  expires!: string;

  @ApiProperty({ description: 'HMAC signature of the link' })
  @IsString()
  @MaxLength(128)
  signature!: string;
}
