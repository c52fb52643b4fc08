import { validateEnv } from './env.schema';

describe('validateEnv', () => {
  it('should fill every default when the environment sets nothing', () => {
    const env = validateEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/analytics',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATA_DIR: './data',
      MAX_UPLOAD_BYTES: 3 * 1024 ** 3,
      APP_ROLE: 'all',
      LOG_LEVEL: 'info',
      LOAD_THREADS: 2,
      IMPORT_REJECT_THRESHOLD: 0.5,
    });
    expect(env.BOOTSTRAP_ADMIN_API_KEY).toBeUndefined();
  });

  it('should convert numbers and keep valid values', () => {
    const env = validateEnv({ PORT: '8080', APP_ROLE: 'worker', IMPORT_REJECT_THRESHOLD: '0.25', MAX_UPLOAD_BYTES: '1000' });
    expect(env).toMatchObject({ PORT: 8080, APP_ROLE: 'worker', IMPORT_REJECT_THRESHOLD: 0.25, MAX_UPLOAD_BYTES: 1000 });
  });

  it('should fail naming every bad variable and its value', () => {
    expect(() => validateEnv({ PORT: 'abc', APP_ROLE: 'both', DATABASE_URL: 'mysql://x' })).toThrow(
      /PORT="abc".*\n.*DATABASE_URL="mysql:\/\/x": DATABASE_URL must be a postgres:\/\/ URL\n.*APP_ROLE="both"/,
    );
  });

  it('should refuse an OTLP endpoint that is not an http(s) URL, and take none when it is empty', () => {
    expect(() => validateEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\):\/\/ URL/);
    expect(validateEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
    expect(validateEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  it('should refuse a bootstrap key shorter than 16 characters', () => {
    expect(() => validateEnv({ BOOTSTRAP_ADMIN_API_KEY: 'short' })).toThrow(/BOOTSTRAP_ADMIN_API_KEY must be at least 16 characters/);
  });

  it('should refuse placeholder secrets by name without printing them', () => {
    expect(() => validateEnv({ BOOTSTRAP_ADMIN_API_KEY: 'dev-admin-key-change-me' })).toThrow(/BOOTSTRAP_ADMIN_API_KEY: looks like a placeholder/);
    expect(() => validateEnv({ JWT_SECRET: 'replace-me-with-something-at-least-32-chars' })).toThrow(/JWT_SECRET: looks like a placeholder/);
    expect(() => validateEnv({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET=\(hidden\): JWT_SECRET must be at least 32 characters/);
    expect(() => validateEnv({ JWT_SECRET: 'short' })).not.toThrow(/"short"/);
    expect(validateEnv({ BOOTSTRAP_ADMIN_API_KEY: 'k8Jd93-ab1-zz0-long', JWT_SECRET: 'Vb3sL0q9x2Wm7Rt5Yh1Nc8Pd4Kf6Gj0A' }).JWT_SECRET).toHaveLength(32);
  });

  it('should treat METRICS_TOKEN as a secret: placeholders refused by name, a short one hidden', () => {
    expect(() => validateEnv({ METRICS_TOKEN: 'placeholder-metrics-token-0123456789abcdef' })).toThrow(/METRICS_TOKEN: looks like a placeholder/);
    expect(() => validateEnv({ METRICS_TOKEN: 'short-token' })).toThrow(/METRICS_TOKEN=\(hidden\): METRICS_TOKEN must be at least 32 characters/);
    expect(() => validateEnv({ METRICS_TOKEN: 'short-token' })).not.toThrow(/short-token/);
    expect(validateEnv({ METRICS_TOKEN: 'Vb3sL0q9x2Wm7Rt5Yh1Nc8Pd4Kf6Gj0A', METRICS_PORT: '9464' })).toMatchObject({ METRICS_PORT: 9464 });
    expect(() => validateEnv({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT="70000"/);
  });
});
