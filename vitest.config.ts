import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The JSON summary lets CI print one plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test/artifacts/results.json' }]],
  },
});
