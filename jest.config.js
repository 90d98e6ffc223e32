/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  // lib/ imports its own modules with their .js names (what Node's require
  // finds first, see lib/index.ts): here they are the .ts sources.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
  // Each test file runs in its own worker; sockets are real, so keep the
  // machine's two cores for the kernel as well.
  maxWorkers: 2,
  // Resolves the oracles' Python interpreter once (see the file).
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
};
