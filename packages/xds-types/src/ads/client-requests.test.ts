import { describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL } from '../type-urls.js';
import { ackRequest, initialRequest, nackRequest } from './client-requests.js';

const node = { id: 'ztunnel~10.0.0.9~zt.istio-system~istio-system.svc.cluster.local' };

describe('client requests', () => {
  it('open a plain wildcard the way ztunnel does: empty subscribe list plus node', () => {
    const request = initialRequest(
      { typeUrl: ADDRESS_TYPE_URL, wildcard: true, names: new Set(), known: new Map() },
      node,
    );
    expect(request.node?.id).toBe(node.id);
    expect(request.typeUrl).toBe(ADDRESS_TYPE_URL);
    expect(request.resourceNamesSubscribe).toEqual([]);
    expect(request.resourceNamesUnsubscribe).toEqual([]);
    expect(request.responseNonce).toBe('');
  });

  it('list * explicitly when a wildcard also names resources', () => {
    const request = initialRequest(
      { typeUrl: ADDRESS_TYPE_URL, wildcard: true, names: new Set(['a']), known: new Map() },
      node,
    );
    expect(request.resourceNamesSubscribe).toEqual(['*', 'a']);
  });

  it('subscribe to nothing with * subscribed and unsubscribed (on-demand opener)', () => {
    const request = initialRequest(
      { typeUrl: ADDRESS_TYPE_URL, wildcard: false, names: new Set(), known: new Map() },
      node,
    );
    expect(request.resourceNamesSubscribe).toEqual(['*']);
    expect(request.resourceNamesUnsubscribe).toEqual(['*']);
  });

  it('resume with every known version in initial_resource_versions', () => {
    const request = initialRequest(
      {
        typeUrl: ADDRESS_TYPE_URL,
        wildcard: false,
        names: new Set(['a']),
        known: new Map([['a', 'v1']]),
      },
      node,
    );
    expect(request.resourceNamesSubscribe).toEqual(['a']);
    expect(request.initialResourceVersions).toEqual({ a: 'v1' });
  });

  it('ACK with type URL and nonce only, NACK with error_detail added', () => {
    const ack = ackRequest(ADDRESS_TYPE_URL, 'n1');
    expect(ack.node).toBeUndefined();
    expect(ack.errorDetail).toBeUndefined();
    expect(ack.responseNonce).toBe('n1');
    const nack = nackRequest(ADDRESS_TYPE_URL, 'n1', 'bad workload');
    expect(nack.responseNonce).toBe('n1');
    expect(nack.errorDetail?.message).toBe('bad workload');
    expect(nack.errorDetail?.code).toBe(3);
  });
});
