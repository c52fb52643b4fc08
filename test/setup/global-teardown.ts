import { promises as fs } from 'fs';
import Redis from 'ioredis';
import { dropDatabase } from '../../libs/database/ensure-database';

export default async function globalTeardown(): Promise<void> {
  if (!process.env.TEST_RUN_ID) {
    return;
  }
  await dropDatabase(process.env.DATABASE_URL!);
  const redis = new Redis(process.env.REDIS_URL!);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.REDIS_PREFIX}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) {
        await redis.del(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  await fs.rm(process.env.DATA_DIR!, { recursive: true, force: true });
}
