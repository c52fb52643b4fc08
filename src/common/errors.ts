import { HttpStatus } from '@nestjs/common';

/**
 * A failure the caller can act on: a stable CODE, an HTTP status and a message naming what and
 * which id. Modules subclass or instantiate it; one global filter turns it into JSON.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: HttpStatus,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError(`${what.toUpperCase().replace(/\W+/g, '_')}_NOT_FOUND`, HttpStatus.NOT_FOUND, `${what} ${id} not found`);
