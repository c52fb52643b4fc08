// First: when tracing is on, its SDK patches http, express, pg, ioredis and bull as they load.
import './tracing';
import 'reflect-metadata';
import { AppConfig } from '@config/app-config';
import { chooseDatabase, redisProblem } from '@config/preflight';
import { bootstrap } from './bootstrap';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromProcessEnv();
  } catch (err) {
    // Fail fast, naming the bad variable(s).
    console.error((err as Error).message);
    process.exit(1);
  }
  // Configuration problems end the process at once with one line each, never a stack trace.
  const redis = await redisProblem(config.REDIS_URL);
  if (redis) {
    console.error(redis);
    process.exit(1);
  }
  let database;
  try {
    database = await chooseDatabase({
      givenUrl: process.env.DATABASE_URL,
      url: config.DATABASE_URL,
      mode: config.EMBEDDED_POSTGRES,
      dataDir: config.DATA_DIR,
      port: config.EMBEDDED_POSTGRES_PORT,
    });
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  if (database.notice) {
    console.log(database.notice);
    process.env.DATABASE_URL = database.url;
    config = AppConfig.fromProcessEnv();
  }
  try {
    await bootstrap(config, () => database.stop());
  } catch (err) {
    await database.stop();
    throw err;
  }
}

main().catch((err: unknown) => {
  console.error('Boot failed:', err);
  process.exit(1);
});
