import { defineConfig } from 'vitest/config';

// Every project resolves workspace packages to their TypeScript sources (the
// "@ambient-ts/source" export condition), so tests never need a prior build.
export default defineConfig({
  resolve: { conditions: ['@ambient-ts/source'] },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
