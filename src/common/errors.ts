import { HttpStatus } from '@nestjs/common';

/**
 * A failure the caller can act on: a stable CODE, an HTTP status and a message naming what and
 * which id. Modules subclass or instantiate it; one global filter turns it into JSON.
 */
export class AppError extends Error {
  /** Response headers that go with the error (Retry-After on a 429). */
  headers?: Record<string, string>;

  constructor(
    readonly code: string,
    readonly status: HttpStatus,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  withHeaders(headers: Record<string, string>): this {
    this.headers = { ...this.headers, ...headers };
    return this;
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError(`${what.toUpperCase().replace(/\W+/g, '_')}_NOT_FOUND`, HttpStatus.NOT_FOUND, `${what} ${id} not found`);
