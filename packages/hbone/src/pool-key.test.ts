import { describe, expect, it } from 'vitest';
import { istioIdentity } from '@ambient-ts/spiffe';
import { parseAuthority } from './authority.js';
import { poolKey } from './pool-key.js';

const a = istioIdentity('cluster.local', 'ns', 'a');
const b = istioIdentity('cluster.local', 'ns', 'b');
const c = istioIdentity('cluster.local', 'ns', 'c');
const dst = parseAuthority('10.0.0.1:15008');

describe('pool key', () => {
  it('ignores order and duplicates of the expected identities', () => {
    expect(poolKey(a, [b, c], dst, undefined)).toBe(poolKey(a, [c, b, c], dst, undefined));
  });

  it('separates source identity, expected identities, destination and source IP', () => {
    const base = poolKey(a, [b], dst, '10.0.0.9');
    expect(poolKey(c, [b], dst, '10.0.0.9')).not.toBe(base);
    expect(poolKey(a, [b, c], dst, '10.0.0.9')).not.toBe(base);
    expect(poolKey(a, [b], parseAuthority('10.0.0.2:15008'), '10.0.0.9')).not.toBe(base);
    expect(poolKey(a, [b], dst, '10.0.0.8')).not.toBe(base);
    expect(poolKey(a, [b], dst, undefined)).not.toBe(base);
  });
});
