// After a NACK the server cannot know what the client holds for the names of
// that response: its last good version, nothing, or a fail-closed stand-in
// (ztunnel's Authorization, the waypoint's listeners). So the next push must
// bring the client their current state even when that equals the version the
// client last ACKed (a revert), and must tell it when one is removed.

import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { ADDRESS_TYPE_URL, SERVED_TYPE_URLS } from '../type-urls.js';
import { RecordingLogger } from '../test-support/recording-logger.js';
import { workloadAddress } from '../test-support/resources.js';
import { subscribedResources } from './resource-filter.js';
import { ResourceStore } from './resource-store.js';
import { AdsConnection } from './server-connection.js';
import { DEFAULT_XDS_SERVER_LIMITS } from './server-limits.js';

const node = { id: 'ztunnel~10.0.0.9~zt-1.istio-system~istio-system.svc.cluster.local' };
const request = (init: MessageInitShape<typeof DeltaDiscoveryRequestSchema>) =>
  create(DeltaDiscoveryRequestSchema, init);

describe('delta ADS server after a NACK', () => {
  let store: ResourceStore;
  let sent: DeltaDiscoveryResponse[];
  let conn: AdsConnection;

  beforeEach(() => {
    store = new ResourceStore();
    sent = [];
    let nonces = 0;
    conn = new AdsConnection({
      connectionId: 'c1',
      peer: 'ipv4:127.0.0.1:5000',
      connectedAt: new Date(0),
      source: store,
      filter: subscribedResources,
      logger: new RecordingLogger(),
      send: (r) => sent.push(r),
      nextNonce: () => `n${++nonces}`,
      onEvent: () => undefined,
      servedTypes: new Set(SERVED_TYPE_URLS),
      limits: DEFAULT_XDS_SERVER_LIMITS,
    });
    store.set(ADDRESS_TYPE_URL, { name: 'w', resource: workloadAddress('w') });
    conn.handleRequest(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: 'n1' }));
    // w changes to a version the client rejects.
    store.set(ADDRESS_TYPE_URL, { name: 'w', resource: workloadAddress('w', { node: 'bad' }) });
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['w']);
    conn.handleRequest(
      request({
        typeUrl: ADDRESS_TYPE_URL,
        responseNonce: 'n2',
        errorDetail: { code: 3, message: 'w: rejected' },
      }),
    );
  });

  it('resends a rejected name reverted to the version the client last ACKed', () => {
    const before = sent.length;
    store.set(ADDRESS_TYPE_URL, { name: 'w', resource: workloadAddress('w') });
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['w']);
    expect(sent).toHaveLength(before + 1);
    expect(sent.at(-1)?.resources.map((r) => r.name)).toEqual(['w']);
  });

  it('sends the removal of a rejected name the client never ACKed', () => {
    store.set(ADDRESS_TYPE_URL, {
      name: 'fresh',
      resource: workloadAddress('fresh', { node: 'bad' }),
    });
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['fresh']);
    conn.handleRequest(
      request({
        typeUrl: ADDRESS_TYPE_URL,
        responseNonce: 'n3',
        errorDetail: { code: 3, message: 'fresh: rejected' },
      }),
    );
    const before = sent.length;
    store.remove(ADDRESS_TYPE_URL, 'fresh');
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['fresh']);
    expect(sent).toHaveLength(before + 1);
    expect(sent.at(-1)?.removedResources).toContain('fresh');
    // Once ACKed, nothing about it is pending any more.
    conn.handleRequest(request({ typeUrl: ADDRESS_TYPE_URL, responseNonce: sent.at(-1)?.nonce }));
    const after = sent.length;
    conn.resourcesChanged(ADDRESS_TYPE_URL, ['fresh']);
    expect(sent).toHaveLength(after);
  });
});
