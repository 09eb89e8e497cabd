import { defineConfig } from 'vitest/config';

// Every project resolves workspace packages to their TypeScript sources (the
// "@ambient-ts/source" export condition), so tests never need a prior build.
// Vitest runs Node tests in SSR mode, whose resolver does not read
// `resolve.conditions`, hence the same condition under `ssr` as well.
const conditions = ['@ambient-ts/source'];
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
