/** One jest run: unit specs next to the code, integration and e2e specs under test/. */
const moduleNameMapper = {
  '^@app/(.*)$': '<rootDir>/src/$1',
  '^@config/(.*)$': '<rootDir>/src/config/$1',
  '^@common/(.*)$': '<rootDir>/src/common/$1',
  '^@modules/(.*)$': '<rootDir>/src/modules/$1',
  '^@libs/(.*)$': '<rootDir>/libs/$1',
};
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] };
const base = { rootDir: __dirname, moduleFileExtensions: ['ts', 'js', 'json'], transform, moduleNameMapper, testEnvironment: 'node' };
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/per-file-env.ts'],
    },
  ],
  // A global option: inside a project entry jest ignores it (tests then got the 5 s default, and
  // the analytics spec's exactness loops timed out when suites ran side by side).
  testTimeout: 120000,
  // jest's default workers (cores − 1): one file at a time on the 2-core CI machine, where two at a
  // time (9m53s instead of ~14 min) made the messaging webhook's 2 s freshness check take 3.7 s.
  // Each e2e file has its own queues and data folder (test/setup/per-file-env.ts), so on machines
  // with more cores, files running side by side never take each other's jobs.
};
