import { describe, expect, it } from 'vitest';
import { selectorMatches } from './label-selector.js';

describe('label selectors', () => {
  const labels = { app: 'reviews', version: 'v2' };
  it.each([
    ['empty selector matches anything', {}, true],
    ['matchLabels all equal', { matchLabels: { app: 'reviews' } }, true],
    ['matchLabels one differs', { matchLabels: { app: 'reviews', version: 'v1' } }, false],
    [
      'In hit',
      { matchExpressions: [{ key: 'version', operator: 'In' as const, values: ['v1', 'v2'] }] },
      true,
    ],
    [
      'In on a missing key',
      { matchExpressions: [{ key: 'x', operator: 'In' as const, values: ['a'] }] },
      false,
    ],
    [
      'NotIn on a missing key',
      { matchExpressions: [{ key: 'x', operator: 'NotIn' as const, values: ['a'] }] },
      true,
    ],
    [
      'NotIn hit',
      { matchExpressions: [{ key: 'app', operator: 'NotIn' as const, values: ['reviews'] }] },
      false,
    ],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' as const }] }, true],
    [
      'DoesNotExist',
      { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' as const }] },
      false,
    ],
  ])('%s', (_n, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});
