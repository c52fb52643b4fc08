import { promises as fs } from 'fs';
import { dropDatabase } from '../../libs/database/ensure-database';
import { dropRedisPrefix } from '../../libs/redis/drop-prefix';
import type { EmbeddedPostgres } from '../../libs/database/embedded-postgres';
import { EMBEDDED } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  if (!process.env.TEST_RUN_ID) {
    return;
  }
  await dropDatabase(process.env.DATABASE_URL!);
  await dropRedisPrefix(process.env.REDIS_URL!, process.env.REDIS_PREFIX!);
  await fs.rm(process.env.DATA_DIR!, { recursive: true, force: true });
  await ((globalThis as Record<symbol, unknown>)[EMBEDDED] as EmbeddedPostgres | undefined)?.stop();
}
