import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { XdsProtocolError } from '../errors.js';
import { unpackAny } from '../any.js';
import { AddressSchema } from '../gen/istio/workload/workload_pb.js';
import { ADDRESS_TYPE_URL, AUTHORIZATION_TYPE_URL, SERVED_TYPE_URLS } from '../type-urls.js';
import { RecordingLogger } from '../test-support/recording-logger.js';
import { workloadAddress } from '../test-support/resources.js';
import { subscribedResources, type ResourceFilter } from './resource-filter.js';
import { ResourceStore } from './resource-store.js';
import { AdsConnection } from './server-connection.js';
import { DEFAULT_XDS_SERVER_LIMITS } from './server-limits.js';
import type { XdsServerEvent } from './server-events.js';

const node = { id: 'ztunnel~10.0.0.9~zt-1.istio-system~istio-system.svc.cluster.local' };

function request(init: MessageInitShape<typeof DeltaDiscoveryRequestSchema>) {
  return create(DeltaDiscoveryRequestSchema, init);
}

describe('delta ADS server stream', () => {
  let store: ResourceStore;
  let sent: DeltaDiscoveryResponse[];
  let events: XdsServerEvent[];
  let logger: RecordingLogger;
  let nonces: number;

  function connection(filter: ResourceFilter = subscribedResources) {
    return new AdsConnection({
      connectionId: 'c1',
      peer: 'ipv4:127.0.0.1:5000',
      connectedAt: new Date(0),
      source: store,
      filter,
      logger,
      send: (response) => {
        sent.push(response);
      },
      nextNonce: () => `n${++nonces}`,
      onEvent: (event) => {
        events.push(event);
      },
      servedTypes: new Set(SERVED_TYPE_URLS),
      limits: DEFAULT_XDS_SERVER_LIMITS,
    });
  }

  function last(): DeltaDiscoveryResponse {
    const response = sent.at(-1);
    if (response === undefined) throw new Error('no response was sent');
    return response;
  }

  const names = (response: DeltaDiscoveryResponse) => response.resources.map((r) => r.name).sort();

  function addWorkloads(...uids: string[]) {
    store.update(ADDRESS_TYPE_URL, {
      set: uids.map((uid) => ({ name: uid, resource: workloadAddress(uid) })),
    });
  }

  beforeEach(() => {
    store = new ResourceStore();
    sent = [];
    events = [];
    logger = new RecordingLogger();
    nonces = 0;
  });

  it('answers a wildcard subscription to an empty type with an empty response', () => {
    const conn = connection();
    conn.handleRequest(request({ node, typeUrl: AUTHORIZATION_TYPE_URL }));
    expect(sent).toHaveLength(1);
    expect(last().typeUrl).toBe(AUTHORIZATION_TYPE_URL);
    expect(last().nonce).toBe('n1');
    expect(last().resources).toEqual([]);
    expect(last().removedResources).toEqual([]);
    expect(conn.snapshot().types[0]?.state).toBe('awaiting-ack');
  });

  it('rejects a first request without node, and any request without type_url', () => {
    expect(() => {
      connection().handleRequest(request({ typeUrl: ADDRESS_TYPE_URL }));
    }).toThrow(XdsProtocolError);
    const conn = connection();
    expect(() => {
      conn.handleRequest(request({ node }));
    }).toThrow(/type_url is required/);
  });

  it('sends every resource on wildcard subscribe, then only changed and removed names', () => {
    addWorkloads('a', 'b');
    const conn = connection();
    conn.handleRequest(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    expect(names(last())).toEqual(['a', 'b']);
    const decoded = unpackAny(last().resources[0]!.resource!, AddressSchema);
    expect(decoded.type.case).toBe('workload');

    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    addWorkloads('c');
    store.remove(ADDRESS_TYPE_URL, 'a');
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['c', 'a']);
    expect(names(last())).toEqual(['c']);
    expect(last().removedResources).toEqual(['a']);
    expect(conn.snapshot().types[0]?.ackedVersions).toHaveProperty('a');

    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n2' }));
    expect(Object.keys(conn.snapshot().types[0]?.ackedVersions ?? {}).sort()).toEqual(['b', 'c']);
  });

  it('holds changes while a response is unacknowledged and sends them together after the ACK', () => {
    const conn = connection();
    conn.handleRequest(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    addWorkloads('a');
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['a']);
    addWorkloads('b');
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['b']);
    expect(sent).toHaveLength(1);
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    expect(sent).toHaveLength(2);
    expect(names(last())).toEqual(['a', 'b']);
  });

  it('does not push a change the client already has', () => {
    addWorkloads('a');
    const conn = connection();
    conn.handleRequest(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['a']);
    expect(sent).toHaveLength(1);
  });

  it('keeps the last good state on NACK, logs the error detail, and re-offers with the next push', () => {
    addWorkloads('good');
    const conn = connection();
    conn.handleRequest(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    const goodVersion = conn.snapshot().types[0]?.ackedVersions['good'];

    store.set(ADDRESS_TYPE_URL, { name: 'good', resource: workloadAddress('good', { node: 'x' }) });
    addWorkloads('bad');
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['good', 'bad']);
    conn.handleRequest(
      request({
        typeUrl: ADDRESS_TYPE_URL,
        responseNonce: 'n2',
        errorDetail: { code: 3, message: 'bad: unsupported tunnel protocol' },
      }),
    );

    const type = conn.snapshot().types[0];
    expect(type?.state).toBe('nacked');
    expect(type?.lastNackError).toBe('bad: unsupported tunnel protocol');
    expect(type?.lastNackedNonce).toBe('n2');
    expect(type?.ackedVersions).toEqual({ good: goodVersion });
    const warning = logger.at('warn')[0];
    expect(warning?.fields).toMatchObject({
      proxyId: node.id,
      typeUrl: ADDRESS_TYPE_URL,
      nonce: 'n2',
      errorDetail: 'bad: unsupported tunnel protocol',
    });
    expect(events.filter((e) => e.kind === 'nack')).toHaveLength(1);
    expect(sent).toHaveLength(2); // nothing is resent on its own

    addWorkloads('next');
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['next']);
    expect(names(last())).toEqual(['bad', 'good', 'next']);
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n3' }));
    expect(conn.snapshot().types[0]?.state).toBe('acked');
    expect(Object.keys(conn.snapshot().types[0]?.ackedVersions ?? {}).sort()).toEqual([
      'bad',
      'good',
      'next',
    ]);
  });

  it('ignores an ACK with a stale nonce but still applies its subscription change', () => {
    addWorkloads('a', 'b');
    const conn = connection();
    conn.handleRequest(request({ node, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['a'] }));
    conn.handleRequest(
      request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'old', resourceNamesSubscribe: ['b'] }),
    );
    expect(events.filter((e) => e.kind === 'stale-nonce')).toHaveLength(1);
    const type = conn.snapshot().types[0];
    expect(type?.state).toBe('awaiting-ack');
    expect(type?.subscribedNames).toEqual(['a', 'b']);
    expect(sent).toHaveLength(1);
    // The real ACK releases the answer to the new subscription.
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    expect(names(last())).toEqual(['b']);
  });

  it('resumes from initial_resource_versions: unchanged skipped, changed sent, vanished removed', () => {
    addWorkloads('same', 'changed');
    const sameVersion = store.get(ADDRESS_TYPE_URL, 'same')!.version;
    const conn = connection();
    conn.handleRequest(
      request({
        node,
        typeUrl: ADDRESS_TYPE_URL,
        initialResourceVersions: { same: sameVersion, changed: 'old', gone: 'old' },
      }),
    );
    expect(names(last())).toEqual(['changed']);
    expect(last().removedResources).toEqual(['gone']);
  });

  it('sends a named subscription only what it names and answers unknown names as removed', () => {
    addWorkloads('a', 'b');
    const conn = connection();
    conn.handleRequest(
      request({ node, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['a', 'missing'] }),
    );
    expect(names(last())).toEqual(['a']);
    expect(last().removedResources).toEqual(['missing']);
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));

    addWorkloads('c');
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['c']);
    expect(sent).toHaveLength(1);

    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['b'] }));
    expect(names(last())).toEqual(['b']);
  });

  it('resends a re-subscribed name even when the client should still have it', () => {
    addWorkloads('a');
    const conn = connection();
    conn.handleRequest(request({ node, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['a'] }));
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, resourceNamesUnsubscribe: ['a'] }));
    expect(sent).toHaveLength(1); // unsubscribing needs no answer
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['a'] }));
    expect(names(last())).toEqual(['a']);
  });

  it("serves ztunnel's on-demand mode: nothing at first, then a lookup by network/ip alias", () => {
    store.set(ADDRESS_TYPE_URL, {
      name: 'uid-1',
      resource: workloadAddress('uid-1'),
      aliases: ['/10.0.0.1'],
    });
    const conn = connection();
    conn.handleRequest(
      request({
        node,
        typeUrl: ADDRESS_TYPE_URL,
        resourceNamesSubscribe: ['*'],
        resourceNamesUnsubscribe: ['*'],
      }),
    );
    expect(last().resources).toEqual([]);
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    conn.handleRequest(
      request({ typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['/10.0.0.1'] }),
    );
    expect(names(last())).toEqual(['uid-1']);
    expect(last().resources[0]?.aliases).toEqual(['/10.0.0.1']);
    expect(last().removedResources).toEqual([]);
  });

  it('lets the filter hook add the node’s own workloads to a named subscription', () => {
    store.update(ADDRESS_TYPE_URL, {
      set: [
        { name: 'mine', resource: workloadAddress('mine', { node: 'node-1' }) },
        { name: 'theirs', resource: workloadAddress('theirs', { node: 'node-2' }) },
        { name: 'named', resource: workloadAddress('named', { node: 'node-2' }) },
      ],
    });
    const calls: string[] = [];
    const ownWorkloads: ResourceFilter = (proxy, typeUrl, subscription) => {
      calls.push(`${proxy.id}|${typeUrl}|${[...subscription.names].join(',')}`);
      const base = subscribedResources(proxy, typeUrl, subscription);
      return (resource) => {
        if (base(resource)) return true;
        const address = unpackAny(resource.resource, AddressSchema);
        return address.type.case === 'workload' && address.type.value.node === 'node-1';
      };
    };
    const conn = connection(ownWorkloads);
    conn.handleRequest(
      request({ node, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: ['named'] }),
    );
    expect(names(last())).toEqual(['mine', 'named']);
    expect(calls).toEqual([`${node.id}|${ADDRESS_TYPE_URL}|named`]);
  });

  it('pushes per type: a change of one type does not answer for another', () => {
    const conn = connection();
    conn.handleRequest(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    conn.handleRequest(request({ typeUrl: AUTHORIZATION_TYPE_URL }));
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    addWorkloads('a');
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['a']);
    expect(sent.map((r) => r.typeUrl)).toEqual([
      ADDRESS_TYPE_URL,
      AUTHORIZATION_TYPE_URL,
      ADDRESS_TYPE_URL,
    ]);
    // Authorization is still awaiting its ACK, Address is not blocked by it.
    const states = Object.fromEntries(conn.snapshot().types.map((t) => [t.typeUrl, t.state]));
    expect(states).toEqual({
      [ADDRESS_TYPE_URL]: 'awaiting-ack',
      [AUTHORIZATION_TYPE_URL]: 'awaiting-ack',
    });
  });

  it('re-evaluates the filter on refresh', () => {
    addWorkloads('a', 'b');
    let allowed = new Set(['a']);
    const conn = connection(() => (resource) => allowed.has(resource.name));
    conn.handleRequest(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    expect(names(last())).toEqual(['a']);
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    allowed = new Set(['b']);
    conn.refresh();
    expect(names(last())).toEqual(['b']);
    expect(last().removedResources).toEqual(['a']);
  });
});
