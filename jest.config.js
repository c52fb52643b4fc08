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
  // Two suites at a time even on two cores (jest's default there is one): the e2e suites spend most
  // of their time waiting on Postgres, Redis and the processes they spawn, and one at a time the
  // run took 13 minutes of the CI's 15. Each e2e file has its own queues and data folder
  // (test/setup/per-file-env.ts), so one file's workers never take another's jobs.
  maxWorkers: Math.max(2, require('os').availableParallelism() - 1),
};
