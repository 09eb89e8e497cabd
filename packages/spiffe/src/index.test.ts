import { describe, expect, it } from 'vitest';
import { TRUST_DOMAIN_DEFAULT } from './index.js';

describe('spiffe', () => {
  it('defaults to the cluster.local trust domain', () => {
    expect(TRUST_DOMAIN_DEFAULT).toBe('cluster.local');
  });
});
