import * as os from 'os';
import * as path from 'path';

/**
 * Every test run gets its own database, Redis key prefix and data folder, derived from one run id,
 * so runs never collide with each other or touch real data.
 */
export function testEnvFor(runId: string, base: NodeJS.ProcessEnv): Record<string, string> {
  const url = new URL(base.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/analytics');
  url.pathname = `/analytics_test_${runId}`;
  return {
    DATABASE_URL: url.toString(),
    REDIS_URL: base.REDIS_URL || 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `test_${runId}`,
    DATA_DIR: path.join(os.tmpdir(), `analytics-test-${runId}`),
    BOOTSTRAP_ADMIN_API_KEY: `test-admin-key-${runId}`,
    LOG_LEVEL: 'error',
    QUEUE_LOCK_DURATION_MS: '4000',
    QUEUE_STALLED_INTERVAL_MS: '2000',
    TEST_RUN_ID: runId,
    // Suites poll and walk every route with one key: far above the defaults, which the
    // rate-limit spec sets for itself.
    RATE_LIMITS: JSON.stringify(Object.fromEntries(['reads', 'reports', 'exports', 'imports', 'health', 'webhooks'].map((c) => [c, { perMinute: 1000000 }]))),
  };
}
