// The pool key, as upstream's WorkloadKey: a connection is shared only by
// tunnels with the same source identity, the same expected destination
// identities, the same HBONE destination address and the same source IP
// (the source IP matters because ztunnel binds outbound sockets to the pod IP).

import type { SpiffeId } from '@ambient-ts/spiffe';
import type { HboneTarget } from './authority.js';

export type PoolKey = string & { readonly __brand: 'PoolKey' };

export function poolKey(
  source: SpiffeId,
  expected: readonly SpiffeId[],
  destination: HboneTarget,
  sourceIp: string | undefined,
): PoolKey {
  // Order and duplicates in the expected list do not change who is acceptable.
  const ids = [...new Set(expected.map((e) => e.uri))].sort();
  return JSON.stringify([source.uri, ids, destination.authority, sourceIp ?? '']) as PoolKey;
}
