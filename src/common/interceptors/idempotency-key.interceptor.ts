import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { AppError } from '../errors';

export const IDEMPOTENCY_KEY_MAX = 200;
const PRINTABLE = /^[\x21-\x7e]+$/;

/** An Idempotency-Key is stored and compared: at most 200 printable ASCII characters, else 400 before anything runs. */
@Injectable()
export class IdempotencyKeyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const value = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
      const key = Array.isArray(value) ? value.join(',') : value;
      if (key !== undefined && (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX || !PRINTABLE.test(key))) {
        throw new AppError(
          'IDEMPOTENCY_KEY_INVALID',
          HttpStatus.BAD_REQUEST,
          `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} printable ASCII characters without spaces (got ${key.length})`,
        );
      }
    }
    return next.handle();
  }
}
