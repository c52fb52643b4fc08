import type { INestApplication } from '@nestjs/common';
import { static as serveStatic, type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'fs';
import * as path from 'path';
import { relaxPolicy } from './csp';

/**
 * Where the built dashboard is (`npm run build` writes dist/web): beside the compiled app, or under
 * the working directory's dist when the app runs from its TypeScript sources (the e2e tests).
 */
export function webRoot(): string | null {
  const candidates = [path.resolve(__dirname, '..', '..', '..', 'web'), path.resolve(process.cwd(), 'dist', 'web')];
  return candidates.find((dir) => existsSync(path.join(dir, 'assets', 'main.js'))) ?? null;
}

/**
 * Serves the dashboard from the API's own origin: its page at / (the app routes by the URL's
 * hash, so no other path is its) and its files under /assets. They get the same security headers
 * as the API (its CSP allows this origin's scripts and styles only), without the https upgrade
 * (relaxPolicy), as Swagger UI's page at /api/docs. When the dashboard is not built, / is the
 * API's JSON 404, as before.
 */
export function serveWebApp(app: INestApplication): void {
  app.use('/api/docs', (_req: Request, res: Response, next: NextFunction) => {
    relaxPolicy(res);
    next();
  });
  const root = webRoot();
  if (!root) {
    return;
  }
  const index = path.join(root, 'index.html');
  app.use('/assets', (_req: Request, res: Response, next: NextFunction) => {
    relaxPolicy(res);
    next();
  });
  app.use('/assets', serveStatic(path.join(root, 'assets'), { index: false, fallthrough: false, maxAge: '5m' }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && (req.path === '/' || req.path === '/index.html')) {
      relaxPolicy(res);
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
      return;
    }
    next();
  });
}
