import type { Response } from 'express';

/**
 * The app's CSP (securityHeaders: this origin's scripts only) serves a browser page as it is but
 * for `upgrade-insecure-requests`: over plain HTTP at any address but localhost (compose on a
 * server) the browser asks https:// for the page's scripts and styles and shows nothing. The pages
 * that use it (the dashboard, Swagger UI, the queue dashboard) name their own files by relative
 * URLs, so dropping it for them lets nothing else in. The API's JSON answers keep it.
 */
export function relaxPolicy(res: Response): void {
  const policy = res.getHeader('Content-Security-Policy');
  if (typeof policy === 'string') {
    res.setHeader(
      'Content-Security-Policy',
      policy
        .split(';')
        .filter((d) => d.trim() !== 'upgrade-insecure-requests')
        .join(';'),
    );
  }
}
