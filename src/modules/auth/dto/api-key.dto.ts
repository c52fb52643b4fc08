import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { ROLES, Role } from '../entities/api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ description: 'A label for the key (who or what uses it)', example: 'nightly-report-bot' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({ description: 'admin: everything; analyst: import and read; viewer: read only', enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class CreateOrganizationDto {
  @ApiProperty({ description: 'Organization name', example: 'Acme Payments' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ description: 'First characters of the key, to recognise it', example: 'ak_Xy3' }) keyPrefix: string;
  @ApiProperty({ description: 'May create organizations (the bootstrap key)' }) platform: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) lastUsedAt: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) revokedAt: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The secret key. Shown only this once; send it as X-API-Key.' })
  key: string;
}

export class RateLimitDto {
  @ApiProperty({ description: 'Requests a minute, sustained' }) perMinute: number;
  @ApiProperty({ description: 'Requests at once after a quiet spell (the bucket size)' }) burst: number;
}

export class OrganizationRateLimitsDto {
  @ApiProperty({
    nullable: true,
    description: 'Limits by class (reads, reports, exports, imports, health, webhooks), each {perMinute, burst?}; null returns the organization to the platform limits',
    example: { reads: { perMinute: 600, burst: 1200 }, exports: { perMinute: 30 } },
  })
  @Allow()
  limits: Record<string, { perMinute: number; burst?: number }> | null;
}

export class QuotasDto {
  @ApiProperty({ description: 'Bytes of uploaded files the organization may keep as imports' }) maxStoredBytes: number;
  @ApiProperty({ description: 'Imports it may have queued or running at once' }) maxActiveImports: number;
}

export class UsageDto {
  @ApiProperty() storedBytes: number;
  @ApiProperty() activeImports: number;
}

export class OrganizationQuotasDto {
  @ApiProperty({
    nullable: true,
    description: 'maxStoredBytes and/or maxActiveImports (positive integers); null returns the organization to the platform quotas (ORG_MAX_STORED_BYTES, ORG_MAX_ACTIVE_IMPORTS)',
    example: { maxStoredBytes: 10737418240, maxActiveImports: 10 },
  })
  @Allow()
  quotas: { maxStoredBytes?: number; maxActiveImports?: number } | null;
}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'acme-3f2a9c1b', description: 'Addresses the organization in webhook URLs (messaging/webhooks/whatsapp/{slug})' }) slug: string;
  @ApiProperty({ description: 'Bumped by every publish or delete' }) dataVersion: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({
    description: "The rate limits in force for the organization's keys and users, by class",
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/RateLimitDto' },
  })
  rateLimits: Record<string, RateLimitDto>;
  @ApiProperty({ type: QuotasDto, description: 'The quotas in force' }) quotas: QuotasDto;
  @ApiProperty({ type: UsageDto, description: 'What the organization holds against them now' }) usage: UsageDto;
}

export class CreatedOrganizationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'acme-3f2a9c1b', description: 'Addresses the organization in webhook URLs' }) slug: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: CreatedApiKeyDto, description: "The organization's first admin key" }) adminKey: CreatedApiKeyDto;
}
