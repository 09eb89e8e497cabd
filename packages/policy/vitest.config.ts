import { mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// vitest.shared.ts sets resolve.conditions, which Vite applies to client builds
// only; tests run as SSR, so the source condition is repeated here or
// @ambient-ts/xds-types would resolve to its (absent or stale) dist/.
export default mergeConfig(shared, {
  ssr: {
    resolve: { conditions: ['@ambient-ts/source'], externalConditions: ['@ambient-ts/source'] },
  },
});
