import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '../errors';

export const IDEMPOTENCY_KEY_MAX = 200;
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * An Idempotency-Key is stored and compared: at most 200 printable ASCII characters, else 400
 * before anything runs. A guard, not an interceptor: every interceptor costs each request an
 * async resource.
 */
@Injectable()
export class IdempotencyKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
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
    return true;
  }
}
