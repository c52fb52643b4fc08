import { HttpStatus, Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '@common/errors';
import { relaxPolicy } from '@common/http/csp';
import { RateLimiter } from '@common/rate-limit/rate-limiter';
import { OperationsAccess } from './operations-access';

export const QUEUE_DASHBOARD_ROUTE = '/admin/queues';

/** The realm a browser shows when it asks for the dashboard's user name and password. */
const BASIC_CHALLENGE = 'Basic realm="analytics queues", charset="UTF-8"';

/**
 * What the dashboard may change: retrying failed jobs (one, or every failed job of a queue). Its
 * other actions (empty, clean, obliterate or pause a queue, add jobs, edit their data) would let an
 * admin of one organization destroy or forge every organization's jobs, and are refused.
 */
const CHANGES_ALLOWED = [/^\/api\/queues\/[^/]+\/[^/]+\/retry\/?$/, /^\/api\/queues\/[^/]+\/retry\/failed\/?$/];

/**
 * In front of the queue dashboard (@bull-board): admins only, by X-API-Key, Bearer, or HTTP Basic
 * (an admin API key as the password, or an admin user's e-mail and password), since a browser
 * sends no X-API-Key on page loads; without credentials a 401 that makes the browser prompt.
 */
@Injectable()
export class QueueDashboardGate implements NestMiddleware {
  private readonly logger = new Logger(QueueDashboardGate.name);

  constructor(
    private readonly access: OperationsAccess,
    private readonly limiter: RateLimiter,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    void this.admit(req, res).then((isAdmitted) => isAdmitted && next(), next);
  }

  private async admit(req: Request, res: Response): Promise<boolean> {
    try {
      await this.access.checkAdmin(req.headers, req.ip ?? null);
    } catch (err) {
      // Refused credentials count against the address's budget, as on the API: guessing ends in 429s.
      const refusal = await this.limiter.take(req, res, 'reads').then(
        () => err,
        (limited: unknown) => limited,
      );
      this.refuse(req, res, refusal);
      return false;
    }
    const path = new URL(req.originalUrl, 'http://dashboard').pathname.slice(QUEUE_DASHBOARD_ROUTE.length);
    if (req.method !== 'GET' && req.method !== 'HEAD' && !(req.method === 'PUT' && CHANGES_ALLOWED.some((r) => r.test(path)))) {
      this.refuse(req, res, new AppError('QUEUE_ACTION_FORBIDDEN', HttpStatus.FORBIDDEN, 'The queue dashboard only shows queues and jobs and retries failed jobs'));
      return false;
    }
    relaxPolicy(res);
    return true;
  }

  private refuse(req: Request, res: Response, err: unknown): void {
    const requestId = (req as { id?: unknown }).id;
    const known = err instanceof AppError;
    if (!known) this.logger.error({ err }, 'Queue dashboard: checking the caller failed');
    const status = known ? err.status : HttpStatus.INTERNAL_SERVER_ERROR;
    if (known && err.headers) res.set(err.headers);
    if (status === HttpStatus.UNAUTHORIZED) res.setHeader('WWW-Authenticate', BASIC_CHALLENGE);
    res
      .status(status)
      .json(
        known
          ? { statusCode: status, error: err.code, message: err.message, details: err.details, requestId }
          : { statusCode: status, error: 'INTERNAL_ERROR', message: 'Internal server error', requestId },
      );
  }
}
