import * as path from 'path';

/**
 * Each e2e spec file gets its own Redis key prefix and data folder under the run's (jest runs two
 * files at a time): one file's workers then never take another's jobs, nor see its uploads. The
 * run's global teardown removes both with the run's own. Same database: files use organizations
 * of their own.
 */
const base = {
  prefix: (process.env.TEST_RUN_REDIS_PREFIX ??= process.env.REDIS_PREFIX!),
  dataDir: (process.env.TEST_RUN_DATA_DIR ??= process.env.DATA_DIR!),
};
const file = path.basename(expect.getState().testPath ?? 'unknown').replace(/\.(e2e|int)-spec\.ts$/, '');
process.env.REDIS_PREFIX = `${base.prefix}:${file}`;
process.env.DATA_DIR = path.join(base.dataDir, file);
