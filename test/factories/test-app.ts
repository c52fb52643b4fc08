import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureHttpApp, HTTP_APP_OPTIONS } from '../../src/bootstrap';
import { AnswerExpressAdapter } from '../../src/common/http/answer-express-adapter';
import { AppConfig } from '../../src/config/app-config';
import { EnvSchema } from '../../src/config/env.schema';
import { partitionName } from '../../libs/ingest';
import { AuthService } from '../../src/modules/auth/auth.service';
import type { ImportResponseDto } from '../../src/modules/ingestion/dto/import-response.dto';

export interface TestApp {
  app: INestApplication;
  http: ReturnType<INestApplication['getHttpServer']>;
  config: AppConfig;
  adminKey: string;
  db: Client;
  close(): Promise<void>;
}

/** The real app (HTTP + workers unless APP_ROLE says otherwise) on the run's own database and Redis prefix. */
export async function startTestApp(overrides: Partial<EnvSchema> = {}): Promise<TestApp> {
  const config = AppConfig.fromProcessEnv(overrides);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication(new AnswerExpressAdapter(), { ...HTTP_APP_OPTIONS, logger: ['error'] });
  configureHttpApp(app);
  app.enableShutdownHooks();
  await app.init();
  await app.get(AuthService).ensureBootstrapKey(config.BOOTSTRAP_ADMIN_API_KEY!);
  const db = new Client({ connectionString: config.DATABASE_URL });
  await db.connect();
  return {
    app,
    http: app.getHttpServer(),
    config,
    adminKey: config.BOOTSTRAP_ADMIN_API_KEY!,
    db,
    async close() {
      await db.end();
      await app.close();
    },
  };
}

/** A fresh organization with its own admin key, so tests never see each other's data. */
/**
 * `fn` with an app of its own on a fresh database of its own (beside the run's, all migrations
 * applied), for a test that changes what every other suite shares (drops a table, takes a role
 * from every key); the app is closed and the database dropped afterwards.
 */
export async function withOwnDatabase<T>(t: TestApp, name: string, fn: (own: TestApp) => Promise<T>): Promise<T> {
  const url = `${t.config.DATABASE_URL}_${name}`;
  await (await import('../../libs/database/migrate')).prepareDatabase(url);
  const own = await startTestApp({ DATABASE_URL: url, REDIS_PREFIX: `${t.config.REDIS_PREFIX}_${name}` });
  try {
    return await fn(own);
  } finally {
    await own.close();
    const { dropDatabase } = await import('../../libs/database/ensure-database');
    await dropDatabase(url).catch(() => undefined);
  }
}

export async function createOrg(t: TestApp, name = 'org'): Promise<{ orgId: string; key: string }> {
  const res = await request(t.http)
    .post('/api/v1/organizations')
    .set('X-API-Key', t.adminKey)
    .send({ name: `${name}-${Math.random().toString(36).slice(2, 8)}` })
    .expect(201);
  return { orgId: res.body.id, key: res.body.adminKey.key };
}

export async function createKey(t: TestApp, adminKey: string, role: 'admin' | 'analyst' | 'viewer'): Promise<string> {
  const res = await request(t.http).post('/api/v1/api-keys').set('X-API-Key', adminKey).send({ name: role, role }).expect(201);
  return res.body.key;
}

/** GET /imports/{id}'s body as supertest gives it (any): specs read fields ImportResponseDto has as nullable (metrics, finishedAt) without checks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ImportBody = any;

/** Polls an import until it reaches one of `statuses` (or fails the test after timeoutMs). */
export async function waitForImport(
  t: TestApp,
  key: string,
  id: string,
  statuses: string[] = ['COMPLETED', 'FAILED', 'CANCELLED'],
  timeoutMs = 60000,
  until?: (body: ImportResponseDto) => boolean,
): Promise<ImportBody> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const res = await request(t.http).get(`/api/v1/imports/${id}`).set('X-API-Key', key);
    last = res.body;
    if (res.status === 200 && statuses.includes(res.body.status) && (!until || until(res.body))) {
      return res.body;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Import ${id} did not reach ${statuses.join('|')} in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

export function uploadCsv(t: TestApp, key: string, kind: string, content: string | Buffer, fileName = 'data.csv') {
  return request(t.http)
    .post('/api/v1/imports')
    .set('X-API-Key', key)
    .field('kind', kind)
    .attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content), fileName);
}

/** The file as the raw text/csv body of POST /imports/{kind}; `query` e.g. 'rejectThreshold=0.9'. */
export function uploadRaw(t: TestApp, key: string, kind: string, content: string | Buffer, query = '') {
  return request(t.http)
    .post(`/api/v1/imports/${kind}${query ? `?${query}` : ''}`)
    .set('X-API-Key', key)
    .set('Content-Type', 'text/csv')
    .send(content);
}

export async function countRows(t: TestApp, table: string, importId: string): Promise<number> {
  const res = await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE import_id = $1`, [importId]);
  return res.rows[0].n;
}

/** Waits until a deleted import's partitions of `tables` and its row are gone (the purge runs in the background). */
export async function waitForPurge(t: TestApp, importId: string, tables: string[], timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const names = tables.map((table) => partitionName(table, importId));
  for (;;) {
    const { rows } = await t.db.query(
      `SELECT (SELECT count(*)::int FROM pg_class WHERE relname = ANY($1)) AS tables, (SELECT count(*)::int FROM imports WHERE id = $2) AS imports`,
      [names, importId],
    );
    if (rows[0].tables === 0 && rows[0].imports === 0) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`Import ${importId} was not purged in ${timeoutMs} ms: ${JSON.stringify(rows[0])}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
