// Jest runs the TypeScript sources as ES modules (p-limit, p-timeout and jose ship ESM only):
// ts-jest with useESM, started through `node --experimental-vm-modules` (see package.json "test").
// Type checking is done once by `tsc --noEmit` before jest, so ts-jest only transpiles.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 20000,
  // Runs the PostgreSQL suites when TEST_DATABASE_URL is set or a server answers on 127.0.0.1:5432; else skips them.
  globalSetup: '<rootDir>/test/support/postgres-setup.mjs',
};
