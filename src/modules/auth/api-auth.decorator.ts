import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';

/** Swagger: the route takes an API key (X-API-Key) or a bearer token (a login's access token or an API key). */
export const ApiAuth = () => applyDecorators(ApiSecurity('api-key'), ApiBearerAuth('bearer'));
