// First: when tracing is on, its SDK patches http, express, pg, ioredis and bull as they load.
import './tracing';
import 'reflect-metadata';
import { AppConfig } from '@config/app-config';
import { postgresProblem, redisProblem } from '@config/preflight';
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
  const problem = (await postgresProblem(config.DATABASE_URL)) ?? (await redisProblem(config.REDIS_URL));
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  await bootstrap(config);
}

main().catch((err: unknown) => {
  console.error('Boot failed:', err);
  process.exit(1);
});
