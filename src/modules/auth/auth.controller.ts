import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@common/api-errors.decorator';
import { Auth, AuthContext, MinRole, OrgId, PlatformOnly } from './auth.context';
import { AuthService } from './auth.service';
import {
  ApiKeyDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  CreatedOrganizationDto,
  CreateOrganizationDto,
  OrganizationDto,
  OrganizationQuotasDto,
  OrganizationRateLimitsDto,
} from './dto/api-key.dto';
import { ApiAuth } from './api-auth.decorator';

@ApiTags('Organizations & API keys')
@ApiAuth()
@Controller()
export class AuthController {
  constructor(private readonly authService: AuthService) {}

  @Post('organizations')
  @PlatformOnly()
  @ApiOperation({ summary: "Create an organization (platform role: the bootstrap key's, not an organization admin's); returns its first admin key, shown once" })
  @ApiCreatedResponse({ type: CreatedOrganizationDto })
  @ApiErrors(400, 401, 403)
  createOrganization(@Auth() auth: AuthContext, @Body() dto: CreateOrganizationDto): Promise<CreatedOrganizationDto> {
    return this.authService.createOrganization(auth, dto.name);
  }

  @Put('organizations/:id/rate-limits')
  @PlatformOnly()
  @ApiOperation({ summary: "Set an organization's own rate limits by class (platform role); null returns it to the platform's (RATE_LIMITS)" })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrors(400, 401, 403, 404)
  setRateLimits(@Auth() auth: AuthContext, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: OrganizationRateLimitsDto): Promise<OrganizationDto> {
    return this.authService.setRateLimits(auth, id, dto.limits);
  }

  @Put('organizations/:id/quotas')
  @PlatformOnly()
  @ApiOperation({ summary: "Set an organization's own quotas (platform role): maxStoredBytes, maxActiveImports; null returns it to the platform's" })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrors(400, 401, 403, 404)
  setQuotas(@Auth() auth: AuthContext, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: OrganizationQuotasDto): Promise<OrganizationDto> {
    return this.authService.setQuotas(auth, id, dto.quotas);
  }

  @Get('organizations/current')
  @ApiOperation({ summary: "The caller's organization: id, name, slug (webhooks address it by slug), data version, rate limits, quotas and usage" })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrors(401)
  currentOrganization(@OrgId() orgId: string): Promise<OrganizationDto> {
    return this.authService.organization(orgId);
  }

  @Post('api-keys')
  @MinRole('admin')
  @ApiOperation({ summary: "Create an API key in the caller's organization; the key is shown once" })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(400, 401, 403)
  createKey(@Auth() auth: AuthContext, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.authService.issueKey(auth, dto.name, dto.role);
  }

  @Get('api-keys')
  @MinRole('admin')
  @ApiOperation({ summary: "List the organization's API keys (never their secrets)" })
  @ApiOkResponse({ type: [ApiKeyDto] })
  @ApiErrors(401, 403)
  listKeys(@OrgId() orgId: string): Promise<ApiKeyDto[]> {
    return this.authService.listKeys(orgId);
  }

  @Delete('api-keys/:id')
  @HttpCode(200)
  @MinRole('admin')
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors(400, 401, 403, 404, 409)
  revokeKey(@Auth() auth: AuthContext, @Param('id', new ParseUUIDPipe()) id: string): Promise<ApiKeyDto> {
    return this.authService.revokeKey(auth, id);
  }
}
