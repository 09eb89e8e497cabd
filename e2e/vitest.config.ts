// Three projects: pure unit tests; the bookinfo scenario on the local cluster
// (its globalSetup owns the cluster); the same scenario on kind. Files run one
// at a time: the scenarios share one machine and long-lived clusters.
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources. Vitest runs test
// files in the "ssr" environment and globalSetup files in its own
// "__vitest__" environment, so the condition goes into both: with only
// resolve.conditions (vitest.shared.ts) a package without a dist/ fails to
// resolve.
const conditions = ['@ambient-ts/source'];
const resolve = { conditions };
const ssr = { resolve: { conditions } };
const environments = { __vitest__: { resolve: { conditions } } };
const scenario = {
  testTimeout: 10 * 60_000,
  hookTimeout: 45 * 60_000,
  teardownTimeout: 5 * 60_000,
};

export default defineConfig({
  resolve,
  ssr,
  environments,
  test: {
    pool: 'forks',
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          exclude: ['src/**/*.e2e.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'local',
          include: ['src/local.e2e.test.ts'],
          globalSetup: ['src/global-setup-local.ts'],
          ...scenario,
        },
      },
      {
        extends: true,
        test: {
          name: 'kind',
          include: ['src/kind.e2e.test.ts'],
          globalSetup: ['src/global-setup-kind.ts'],
          ...scenario,
        },
      },
    ],
  },
});
