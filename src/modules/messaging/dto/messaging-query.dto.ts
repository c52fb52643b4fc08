import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const MESSAGING_GRANULARITIES = ['hourly', 'daily', 'weekly'] as const;
export type MessagingGranularity = (typeof MESSAGING_GRANULARITIES)[number];

const ID = 200;
const GRANULARITY_TEXT = 'Bucket size, in `tz` (weeks start on Monday; a day across a DST change is 23 or 25 hours)';
const GRANULARITY_CHECK = { message: `granularity must be one of ${MESSAGING_GRANULARITIES.join(', ')}` };

/** The window every messaging answer accepts (the replaced service's names). */
export class TimeWindowQuery {
  @ApiPropertyOptional({
    description: 'Start, inclusive: an ISO 8601 instant (2025-06-01T00:00:00Z), or a local date or date-time in `tz` (2025-06-01). Default: 7 days before `to`',
    example: '2025-06-01T00:00:00Z',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({
    description: 'End, exclusive, written like `from`. Default: now, rounded up to the next whole minute (answers are cached per minute)',
    example: '2025-06-08T00:00:00Z',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ description: 'IANA time zone of the buckets and of local `from`/`to` (default UTC)', example: 'Europe/London' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  tz?: string;
}

/** The message filters. */
export class MessageFilterQuery {
  @ApiPropertyOptional({ description: 'Only messages on this channel (stored lower-cased: whatsapp, sms…)' })
  @IsOptional()
  @IsString()
  @MaxLength(ID)
  channel?: string;

  @ApiPropertyOptional({ description: 'Only messages of this template' })
  @IsOptional()
  @IsString()
  @MaxLength(ID)
  template_id?: string;

  @ApiPropertyOptional({ description: 'Only messages of this campaign' })
  @IsOptional()
  @IsString()
  @MaxLength(ID)
  campaign_id?: string;
}

/** The window and the message filters. */
export class MessagingWindowQuery extends IntersectionType(TimeWindowQuery, MessageFilterQuery) {}

export class DeliveryQuery extends MessagingWindowQuery {
  @ApiPropertyOptional({ enum: MESSAGING_GRANULARITIES, default: 'hourly', description: GRANULARITY_TEXT })
  @IsOptional()
  @IsIn(MESSAGING_GRANULARITIES, GRANULARITY_CHECK)
  granularity: MessagingGranularity = 'hourly';
}

export const TIME_PERIODS = ['hour', 'day', 'week', 'month'] as const;
export type TimePeriod = (typeof TIME_PERIODS)[number];

export class DashboardQuery extends MessageFilterQuery {
  @ApiPropertyOptional({ enum: TIME_PERIODS, default: 'day', description: 'The last hour, day, week or 30 days, ending now (rounded up to the minute)' })
  @IsOptional()
  @IsIn(TIME_PERIODS, { message: `time_period must be one of ${TIME_PERIODS.join(', ')}` })
  time_period: TimePeriod = 'day';
}

export class EngagementQuery extends TimeWindowQuery {
  @ApiPropertyOptional({ enum: MESSAGING_GRANULARITIES, default: 'daily', description: GRANULARITY_TEXT })
  @IsOptional()
  @IsIn(MESSAGING_GRANULARITIES, GRANULARITY_CHECK)
  granularity: MessagingGranularity = 'daily';

  @ApiPropertyOptional({ description: 'Weight per action type in the engagement rate, `type:weight,…` (others weigh 1.0)', example: 'login:0.5,message_send:2' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  weights?: string;
}

export class SystemQuery extends TimeWindowQuery {
  @ApiPropertyOptional({ enum: MESSAGING_GRANULARITIES, default: 'hourly', description: GRANULARITY_TEXT })
  @IsOptional()
  @IsIn(MESSAGING_GRANULARITIES, GRANULARITY_CHECK)
  granularity: MessagingGranularity = 'hourly';

  @ApiPropertyOptional({ description: 'Only this service (api_gateway, message_service, contact_service, template_service, analytics_service)' })
  @IsOptional()
  @IsString()
  @MaxLength(ID)
  service_name?: string;
}
