import { INestApplication, RequestMethod, ValidationPipe } from '@nestjs/common';
import { json, urlencoded } from 'express';
import helmet from 'helmet';
import type { IncomingMessage } from 'http';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { prepareDatabase } from '@libs/database/migrate';
import { AppConfig } from '@config/app-config';
import { IdempotencyKeyGuard } from '@common/interceptors/idempotency-key.guard';
import { AnswerExpressAdapter } from '@common/http/answer-express-adapter';
import { serveWebApp } from '@common/http/web-app';
import { Metrics } from '@common/metrics/metrics.service';
import { requestContextMiddleware } from '@common/request-context';
import { AuthService } from '@modules/auth/auth.service';
import { installGracefulShutdown } from '@common/lifecycle/graceful-shutdown';
import { AppModule } from './app.module';

export const API_PREFIX = 'api/v1';
const LISTEN_BACKLOG = 4096;

/**
 * Routes whose request body is a file streamed to disk as it arrives (a JSON or NDJSON body of
 * gigabytes included): the body parsers must leave them alone (`curl --data-binary @file`, whose
 * default Content-Type is application/x-www-form-urlencoded, is a CSV upload there).
 */
const STREAMED_BODY_ROUTES = [/^\/api\/v1\/imports\/[^/]+\/?$/, /^\/api\/v1\/uploads\/?$/, /^\/api\/v1\/data\/ingest\/?$/];

function isJsonMedia(contentType: string | undefined): boolean {
  const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
}

/**
 * helmet's headers (nosniff, frame and referrer policies, HSTS; no X-Powered-By) with a CSP that
 * allows only this origin's scripts: Swagger UI's page and the dashboard load their scripts and
 * styles from here, styles may be inline (Swagger UI sets them), images may be data: URLs.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
}

/** Options every HTTP app is created with (the body parsers are registered by configureHttpApp). */
export const HTTP_APP_OPTIONS = { bodyParser: false } as const;

/** Wires prefix, validation, docs and shutdown hooks onto a created app (also used by e2e tests). */
export function configureHttpApp(app: INestApplication): void {
  const isStreamed = (req: IncomingMessage) => STREAMED_BODY_ROUTES.some((route) => route.test((req.url ?? '').split('?')[0]));
  const hops = app.get(AppConfig).TRUST_PROXY_HOPS;
  if (hops > 0) {
    (app as NestExpressApplication).set('trust proxy', hops);
  }
  (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable('x-powered-by');
  // First: request durations by route pattern and status, from a request's arrival (GET /metrics).
  app.use(app.get(Metrics).http.middleware);
  app.use(requestContextMiddleware);
  app.use(securityHeaders());
  // The dashboard (dist/web) at / and /assets, under the same headers (but for the https upgrade), and Swagger UI's page likewise.
  serveWebApp(app);
  // The raw bytes stay beside the parsed body: signed webhooks are verified over exactly what was sent.
  app.use(
    json({
      limit: '1mb',
      type: (req: IncomingMessage) => !isStreamed(req) && isJsonMedia(req.headers['content-type']),
      verify: (req: IncomingMessage & { rawBody?: Buffer }, _res, buf) => {
        req.rawBody = buf;
      },
    }),
  );
  app.use(
    urlencoded({
      extended: true,
      limit: '1mb',
      type: (req: IncomingMessage) => !isStreamed(req) && (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded'),
    }),
  );
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      // Operations, outside the API's versioned prefix (see OperationsModule).
      { path: 'metrics', method: RequestMethod.GET },
      { path: 'admin/queues', method: RequestMethod.ALL },
      { path: 'admin/queues/{*path}', method: RequestMethod.ALL },
    ],
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true, forbidUnknownValues: true }));
  app.useGlobalGuards(new IdempotencyKeyGuard());
  const doc = new DocumentBuilder()
    .setTitle('Analytics platform API')
    .setDescription(
      'Streaming CSV ingestion into PostgreSQL with exact analytics. Authenticate with an API key in the ' +
        '`X-API-Key` header, or log in (`POST /api/v1/auth/login`) and send the access token as `Authorization: Bearer` ' +
        '(an API key works as a bearer token too). Roles: admin > analyst > viewer. Errors are JSON `{statusCode, error, message, details?}`. ' +
        'Analytics answers are cached per data version (never stale); send `Cache-Control: no-cache` to have one computed afresh.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', name: 'X-API-Key', in: 'header' }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT or API key', description: 'A login access token (JWT) or an API key' }, 'bearer')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, doc), {
    jsonDocumentUrl: 'api/docs-json',
  });
}

/**
 * Boots the process for its APP_ROLE: HTTP API, queue workers, or both. `afterClose` runs once
 * the app has shut down on SIGTERM/SIGINT (an embedded PostgreSQL is stopped there).
 */
export async function bootstrap(config: AppConfig, afterClose: () => Promise<void> = () => Promise.resolve()): Promise<INestApplication> {
  await prepareDatabase(config.DATABASE_URL);
  const module = AppModule.forRoot(config);
  const app = config.runsHttp
    ? await NestFactory.create<NestExpressApplication>(module, new AnswerExpressAdapter(), { ...HTTP_APP_OPTIONS, bufferLogs: true })
    : ((await NestFactory.createApplicationContext(module, { bufferLogs: true })) as unknown as INestApplication);
  app.useLogger(app.get(Logger));
  installGracefulShutdown(app, config, afterClose);
  if (config.BOOTSTRAP_ADMIN_API_KEY) {
    await app.get(AuthService).ensureBootstrapKey(config.BOOTSTRAP_ADMIN_API_KEY);
  }
  if (config.runsHttp) {
    configureHttpApp(app);
    // A backlog of 4096 (Node's default is 511): 1,000 clients connecting at once otherwise lose
    // SYNs, retried by the kernel after 1 s and 3 s, which made the p99 of a cached answer 3.6 s.
    await (app.listen as (port: number, ...args: unknown[]) => Promise<unknown>).call(app, config.PORT, undefined, LISTEN_BACKLOG);
  } else {
    await app.init();
  }
  app.get(Logger).log(`Analytics platform up: role=${config.APP_ROLE}${config.runsHttp ? ` port=${config.PORT}` : ''}`);
  return app;
}
