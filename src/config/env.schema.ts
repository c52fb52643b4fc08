import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

export const APP_ROLES = ['all', 'api', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const toNumber = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value);

/** Every setting the app reads, validated once at boot; nothing else reads process.env. */
export class EnvSchema {
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/analytics';

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Key prefix for every Redis key (Bull queues, caches): lets test runs share one Redis. */
  @IsString()
  @MinLength(1)
  REDIS_PREFIX = 'bull';

  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  /** Server-side folder holding store_status.csv, menu_hours.csv and timezones.csv for POST /store-monitoring/data {"source":"directory"}. */
  @IsOptional()
  @IsString()
  STORE_DATA_DIR?: string;

  /** Days a COMPLETED report keeps its file; a daily job removes older ones and marks them EXPIRED. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  REPORT_RETENTION_DAYS = 30;

  /** How often the report retention job runs. */
  @Transform(toNumber)
  @IsInt()
  @Min(1000)
  REPORT_EXPIRY_INTERVAL_MS = 86_400_000;

  /** How often a worker looks for due report schedules (and reports or runs whose job was lost). */
  @Transform(toNumber)
  @IsInt()
  @Min(100)
  @Max(60000)
  SCHEDULER_POLL_MS = 5000;

  /** A report or schedule run still QUEUED/PENDING after this long with no queue job is queued again. */
  @Transform(toNumber)
  @IsInt()
  @Min(1000)
  STALE_REPORT_MS = 300000;

  /** SMTP server for email deliveries, e.g. smtp://user:pass@mail.example.com:587 (unset: email deliveries are refused). */
  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  /** The From of report emails. */
  @IsString()
  @MinLength(3)
  SMTP_FROM = 'Analytics platform <reports@localhost>';

  /** A report file up to this size is attached to its email (and sent with a webhook that asks for it); a larger one goes as a link. */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  EMAIL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

  /** The address users reach this API at: download links in emails and webhooks start with it. */
  @Matches(/^https?:\/\/[^/]+(\/.*)?$/, { message: 'PUBLIC_BASE_URL must be an http(s):// URL' })
  @IsOptional()
  PUBLIC_BASE_URL?: string;

  /** Tries of one delivery (webhook or email) before it is FAILED; the waits between tries are (2^n − 1) × DELIVERY_BACKOFF_MS (25 s, 75 s, 175 s, 375 s: ~11 minutes for 5 tries). */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(20)
  DELIVERY_ATTEMPTS = 5;

  @Transform(toNumber)
  @IsInt()
  @Min(10)
  DELIVERY_BACKOFF_MS = 25000;

  /** A webhook that has not answered in this long counts as a failed try. */
  @Transform(toNumber)
  @IsInt()
  @Min(100)
  DELIVERY_TIMEOUT_MS = 15000;

  @Transform(toNumber)
  @IsInt()
  @Min(1)
  MAX_UPLOAD_BYTES = 3 * 1024 * 1024 * 1024;

  @IsIn(APP_ROLES)
  APP_ROLE: AppRole = 'all';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'BOOTSTRAP_ADMIN_API_KEY must be at least 16 characters' })
  BOOTSTRAP_ADMIN_API_KEY?: string;

  /**
   * Signs login access tokens (HS256), at least 32 characters. Unset: a random secret is made once
   * and kept in the database, shared by every process (rotating it ends every login).
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  /**
   * Lets a scraper read GET /metrics as `Authorization: Bearer <token>` without an admin's key (at
   * least 32 characters; a secret: never logged, placeholders refused). Unset: admins only.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'METRICS_TOKEN must be at least 32 characters' })
  METRICS_TOKEN?: string;

  /** A port of its own where this process serves GET /metrics (how workers, which have no HTTP server, are scraped); unset: none. */
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(65535)
  METRICS_PORT?: number;

  /** Lifetime of a login's access token (a JWT), in seconds. */
  @Transform(toNumber)
  @IsInt()
  @Min(30)
  @Max(86400)
  ACCESS_TOKEN_TTL_S = 900;

  /** A login (its refresh-token family) ends this many days after it began. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(365)
  REFRESH_TOKEN_TTL_DAYS = 30;

  /** A password-set token handed out by an admin works for this long, once. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(720)
  PASSWORD_TOKEN_TTL_HOURS = 72;

  /** Failed logins of one account within LOGIN_WINDOW_S before its logins are refused (429) for the rest of the window. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES_PER_ACCOUNT = 5;

  /** Failed logins from one address within LOGIN_WINDOW_S before its logins are refused. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(100000)
  LOGIN_MAX_FAILURES_PER_IP = 50;

  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_WINDOW_S = 900;

  /**
   * Rate limits by class as JSON, over the defaults, e.g. {"reads":{"perMinute":600,"burst":1000}}
   * (classes: reads, reports, exports, imports, health, webhooks). An organization's own limits
   * (PUT /organizations/{id}/rate-limits) override these.
   */
  @IsOptional()
  @IsString()
  RATE_LIMITS?: string;

  /** Server-Sent Event streams one API key or user may hold open at once. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_SSE_STREAMS_PER_KEY = 5;

  /** How long an open stream's slot outlives its process if the process dies without closing it (live processes renew theirs every third of it). */
  @Transform(toNumber)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  SSE_SLOT_TTL_MS = 60_000;

  /** Proxies in front of the app whose X-Forwarded-For is trusted for the client address (0: none). */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(10)
  TRUST_PROXY_HOPS = 0;

  /** A query run while serving a request is cancelled after this long (503 QUERY_TIMEOUT); 0: never. Jobs have no limit. */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  QUERY_TIMEOUT_MS = 10000;

  /**
   * The same for the queries that compute an analytics answer: computed once per data version and
   * cached, an answer over tens of millions of rows may need longer, and never came back once it
   * was cut off at QUERY_TIMEOUT_MS; 0: never.
   */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  ANALYTICS_QUERY_TIMEOUT_MS = 120_000;

  /** Connections for queries made while serving requests (each process). */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_API = 10;

  /** Connections for queries made by jobs, sweeps and the scheduler (each process; loads and exports open their own besides). */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_WORKER = 6;

  /** Imports an organization may have queued or running at once (429 QUOTA_ACTIVE_IMPORTS past it); an organization's own quota overrides it. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(100000)
  ORG_MAX_ACTIVE_IMPORTS = 50;

  /** Bytes of uploaded files an organization may keep as imports (413 QUOTA_STORED_BYTES past it). */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  ORG_MAX_STORED_BYTES = 200 * 1024 * 1024 * 1024;

  /** How long a process keeps a verified API key or login without reading the database again (0: never); revocations reach every process at once through Redis (at most twice this when a notice is lost). */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(60000)
  AUTH_CACHE_MS = 5000;

  /** Days audit events are kept. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(3650)
  AUDIT_RETENTION_DAYS = 365;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /**
   * The OTLP collector traces go to (e.g. http://localhost:4318); set, tracing is on (README
   * "Tracing"). Read before this validation by src/tracing.ts and the OpenTelemetry SDK, as are the
   * other OTEL_* variables; declared here so that a malformed value stops the boot.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^/]+(\/.*)?$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s):// URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** Imports processed at once by one worker process. */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(16)
  WORKER_CONCURRENCY = 1;

  /** Threads that parse and clean one import's rows (1 = on the event-loop thread). */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(16)
  LOAD_THREADS = 2;

  /**
   * Memory one import may hold besides its pieces in flight (rollup folds, counters, the duplicate
   * filter); past each share the import spills to disk or leaves the work to SQL instead of growing.
   */
  @Transform(toNumber)
  @IsInt()
  @Min(4)
  @Max(4096)
  IMPORT_MEMORY_MB = 96;

  /** Old-generation heap cap of each load thread (it holds a few pieces and its dictionaries). */
  @Transform(toNumber)
  @IsInt()
  @Min(8)
  @Max(4096)
  LOAD_THREAD_HEAP_MB = 48;

  /** A record (CSV row or JSON value) longer than this fails its import as RECORD_TOO_LARGE. */
  @Transform(toNumber)
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  MAX_RECORD_BYTES = 1024 * 1024;

  /** Default share of rejected rows above which an import fails and loads nothing. */
  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(1)
  IMPORT_REJECT_THRESHOLD = 0.5;

  /** How often a worker finishes what crashed workers and broken requests left (post-commit work, deletes, files). */
  @Transform(toNumber)
  @IsInt()
  @Min(1000)
  SWEEP_INTERVAL_MS = 60000;

  /**
   * A QUEUED or PROCESSING import untouched for this long whose queue job has ended or is gone (and
   * that no worker holds) is picked up by the sweeper: a QUEUED one is queued again, a PROCESSING
   * one (its last worker died) ends FAILED with RETRIES_EXHAUSTED.
   */
  @Transform(toNumber)
  @IsInt()
  @Min(1000)
  STALE_IMPORT_MS = 120000;

  /** An upload file with no import after this long (its request died) is removed by the sweeper. */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  ORPHAN_FILE_AGE_MS = 3600000;

  /** Bull job lock: a worker that stops renewing it for this long is considered dead. */
  @Transform(toNumber)
  @IsInt()
  @Min(1000)
  QUEUE_LOCK_DURATION_MS = 30000;

  @Transform(toNumber)
  @IsInt()
  @Min(1000)
  QUEUE_STALLED_INTERVAL_MS = 30000;

  /**
   * On SIGTERM/SIGINT: how long in-flight requests and running jobs get to finish. The API stops
   * accepting at once; a job still running at the end is handed back to the queue (another worker
   * takes it at once) instead of waiting for QUEUE_LOCK_DURATION_MS to lapse.
   */
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_GRACE_MS = 25000;

  /**
   * `auto`: when DATABASE_URL is not set and nothing answers on the default address, start an
   * embedded PostgreSQL with its data under DATA_DIR/postgres. `always`: use the embedded one even
   * then; `never`: only DATABASE_URL (or its default).
   */
  @IsIn(['auto', 'always', 'never'])
  EMBEDDED_POSTGRES: 'auto' | 'always' | 'never' = 'auto';

  /** Port of the embedded PostgreSQL (127.0.0.1 only). */
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(65535)
  EMBEDDED_POSTGRES_PORT = 54329;
}

const SECRETS = ['BOOTSTRAP_ADMIN_API_KEY', 'JWT_SECRET', 'METRICS_TOKEN'];
const PLACEHOLDER = /change-?me|replace-?me|placeholder|your[-_]?secret|^(secret|password|example)/i;

/** Validates a raw environment; throws one message naming every bad variable. */
export function validateEnv(raw: Record<string, unknown>): EnvSchema {
  const known = Object.keys(new EnvSchema());
  const picked: Record<string, unknown> = {};
  for (const key of [...known, 'BOOTSTRAP_ADMIN_API_KEY', 'JWT_SECRET']) {
    if (raw[key] !== undefined && raw[key] !== '') {
      picked[key] = raw[key];
    }
  }
  const env = plainToInstance(EnvSchema, picked);
  const errors = validateSync(env, { whitelist: true });
  const lines = errors.map(
    (e) => `${e.property}=${SECRETS.includes(e.property) ? '(hidden)' : JSON.stringify(picked[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`,
  );
  // A secret copied from an example would be a working default secret: refused by name, value not shown.
  for (const name of ['BOOTSTRAP_ADMIN_API_KEY', 'JWT_SECRET', 'METRICS_TOKEN'] as const) {
    const value = env[name];
    if (value && PLACEHOLDER.test(value)) {
      lines.push(`${name}: looks like a placeholder (${PLACEHOLDER.source}); set a secret of your own, e.g. openssl rand -base64 32`);
    }
  }
  if (lines.length > 0) {
    throw new Error(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }
  return env;
}
