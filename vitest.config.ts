import { defineConfig } from 'vitest/config';

// One runner, four projects. Each project is a folder of tests/ so a test's place says what it may touch:
// unit (pure logic), integration (real SQLite files, the sandbox over HTTP, child processes),
// e2e (Chromium through the browser host, against the production build), electron (skips without the binary).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      { test: { name: 'electron', include: ['tests/electron/**/*.test.ts'], environment: 'node' } },
    ],
  },
});
