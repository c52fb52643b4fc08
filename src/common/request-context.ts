import { AsyncLocalStorage } from 'async_hooks';
import { randomUUID } from 'crypto';
import type { NextFunction, Request, Response } from 'express';

/** What every part of a request may need to know about it without being handed the request. */
export interface RequestContext {
  requestId: string;
  ip: string | null;
  /** The statement timeout of the queries made in this context, when not QUERY_TIMEOUT_MS (see RequestPools). */
  statementTimeoutMs?: number;
  /** The caller sent `Cache-Control: no-cache`: compute cached answers afresh (and store them). */
  isCacheBypassed?: boolean;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The current request's id and client address, or undefined outside a request (jobs). */
export const currentRequest = (): RequestContext | undefined => storage.getStore();

/**
 * A caller's X-Request-Id is honoured only when it looks like an id (letters, digits and `-_.:`,
 * up to 64 characters): anything else would be copied into every log line and audit event.
 */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export function requestIdOf(given: string | string[] | undefined): string {
  const id = Array.isArray(given) ? given[0] : given;
  return id && REQUEST_ID.test(id) ? id : randomUUID();
}

/** Express middleware: fixes the request id (echoed as X-Request-Id) and opens the request's context. */
export function requestContextMiddleware(req: Request & { id?: string }, res: Response, next: NextFunction): void {
  const requestId = requestIdOf(req.headers['x-request-id']);
  req.id = requestId;
  res.setHeader('X-Request-Id', requestId);
  const isCacheBypassed = /(^|,)\s*no-cache\s*(,|$)/i.test(String(req.headers['cache-control'] ?? ''));
  storage.run({ requestId, ip: req.ip ?? req.socket?.remoteAddress ?? null, isCacheBypassed }, next);
}

/** Runs `fn` with its request's queries given `ms` of statement timeout instead of QUERY_TIMEOUT_MS (outside a request: as is). */
export function withStatementTimeout<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const ctx = storage.getStore();
  return ctx ? storage.run({ ...ctx, statementTimeoutMs: ms }, fn) : fn();
}
