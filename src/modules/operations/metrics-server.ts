import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AppConfig } from '@config/app-config';
import { AppError } from '@common/errors';
import { Metrics } from '@common/metrics/metrics.service';
import { OperationsAccess } from './operations-access';

/**
 * GET /metrics on METRICS_PORT, a plain Node server: how a worker (APP_ROLE=worker, no HTTP
 * server) is scraped, since it runs the imports and reports its counters count. The same access
 * as the API's /metrics: METRICS_TOKEN, or an admin's API key or login (a worker has the
 * database and the auth cache, so it checks them as the API does). Any role serves it when the
 * port is set.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly access: OperationsAccess,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.METRICS_PORT;
    if (!port) return;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, () => resolve());
    });
    this.server = server;
    this.logger.log(`Metrics served on port ${port} at /metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      return reply(res, 404, { statusCode: 404, error: 'ROUTE_NOT_FOUND', message: `No route ${req.method} ${path} (this port serves GET /metrics)` });
    }
    try {
      await this.access.checkMetricsReader(req.headers);
      const text = await this.metrics.text();
      res.writeHead(200, { 'Content-Type': this.metrics.contentType });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      if (err instanceof AppError) {
        return reply(res, err.status, { statusCode: err.status, error: err.code, message: err.message, details: err.details });
      }
      this.logger.error({ err }, 'Serving /metrics failed');
      reply(res, 500, { statusCode: 500, error: 'INTERNAL_ERROR', message: 'Internal server error' });
    }
  }
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
