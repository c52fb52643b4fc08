import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `error` names the problem',
  401: 'Missing or invalid X-API-Key',
  403: "The key's role may not do this",
  404: 'Not found in the caller organization',
  409: 'Conflicts with the current state',
  413: 'Upload larger than MAX_UPLOAD_BYTES',
  415: 'Unsupported content type',
  503: 'A dependency is unavailable',
};

/** Documents the error responses of a route, all in the common error shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto })));
}
