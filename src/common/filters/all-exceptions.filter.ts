import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError } from '../errors';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

/** Maps every thrown thing to `{statusCode, error: CODE, message, details?}`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const body = this.toBody(exception, req);
    body.requestId = req?.id;
    if (body.statusCode >= 500) {
      this.logger.error({ err: exception, path: req?.url }, body.message);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (exception instanceof AppError && exception.headers) {
      for (const [name, value] of Object.entries(exception.headers)) res.setHeader(name, value);
    }
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, req: Request): ErrorBody {
    if (exception instanceof AppError) {
      return { statusCode: exception.status, error: exception.code, message: exception.message, details: exception.details };
    }
    if (exception instanceof HttpException) {
      return this.fromHttpException(exception, req);
    }
    const status = (exception as { status?: number; statusCode?: number })?.status;
    if (status === 413 || (exception as { type?: string })?.type === 'entity.too.large') {
      return { statusCode: 413, error: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' };
    }
    // Postgres cancelled a request-time query at statement_timeout (QUERY_TIMEOUT_MS).
    const pg = exception as { code?: string; driverError?: { code?: string } };
    if (pg?.code === '57014' || pg?.driverError?.code === '57014') {
      return { statusCode: 503, error: 'QUERY_TIMEOUT', message: 'The query took longer than QUERY_TIMEOUT_MS and was cancelled; narrow the window or filter, or try again later' };
    }
    if ((exception as { type?: string })?.type === 'entity.parse.failed') {
      return { statusCode: 400, error: 'INVALID_JSON', message: 'Request body is not valid JSON' };
    }
    return { statusCode: 500, error: 'INTERNAL_ERROR', message: 'Internal server error' };
  }

  private fromHttpException(exception: HttpException, req: Request): ErrorBody {
    const statusCode: HttpStatus = exception.getStatus();
    const response = exception.getResponse() as string | { message?: string | string[]; error?: string };
    const error = CODE_BY_STATUS[statusCode] ?? `HTTP_${statusCode}`;
    if (statusCode === HttpStatus.NOT_FOUND && /^Cannot \w+ /.test(exception.message)) {
      return { statusCode, error: 'ROUTE_NOT_FOUND', message: `No route ${req.method} ${req.path}` };
    }
    if (typeof response === 'string') {
      return { statusCode, error, message: response };
    }
    if (Array.isArray(response.message)) {
      return {
        statusCode,
        error: statusCode === HttpStatus.BAD_REQUEST ? 'VALIDATION_FAILED' : error,
        message: response.message.join('; '),
        details: { errors: response.message },
      };
    }
    return { statusCode, error, message: response.message ?? exception.message };
  }
}
