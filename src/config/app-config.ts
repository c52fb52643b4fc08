import { EnvSchema, validateEnv } from './env.schema';

/** Typed, validated settings; the only door to process.env. */
export class AppConfig extends EnvSchema {
  static fromProcessEnv(overrides: Partial<EnvSchema> = {}): AppConfig {
    const env = validateEnv({ ...process.env, ...overrides });
    return Object.assign(new AppConfig(), env);
  }

  get runsHttp(): boolean {
    return this.APP_ROLE !== 'worker';
  }

  get runsWorkers(): boolean {
    return this.APP_ROLE !== 'api';
  }
}
