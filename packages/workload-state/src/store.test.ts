import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { workload as wl, type ResourceUpdate } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { endpointOf, testService, testWorkload } from './testing/fixtures.js';
import { applyAddressUpdate, XdsRejection } from './resource-handlers.js';
import { createStateStore } from './store.js';

function addressUpdate(
  added: { name: string; message: wl.Address }[],
  removed: string[] = [],
): ResourceUpdate<wl.Address> {
  return {
    typeUrl: 'type.googleapis.com/istio.workload.Address',
    nonce: 'n',
    added: added.map((a) => ({ ...a, version: 'v', aliases: [] })),
    removed,
  };
}

type WorkloadInit = Exclude<MessageInitShape<typeof wl.WorkloadSchema>, wl.Workload>;
const workloadAddress = (uid: string, fields: WorkloadInit = {}) => ({
  name: uid,
  message: create(wl.AddressSchema, {
    type: {
      case: 'workload',
      value: create(wl.WorkloadSchema, {
        uid,
        name: uid.split('/').pop() ?? uid,
        namespace: 'default',
        addresses: [new Uint8Array([10, 0, 0, 1])],
        tunnelProtocol: wl.TunnelProtocol.HBONE,
        node: 'node1',
        ...fields,
      }),
    },
  }),
});

describe('the state store', () => {
  it('applies an xDS response whole, or nothing of it when one resource is invalid (NACK with every reason)', () => {
    const { state, updater } = createStateStore();
    applyAddressUpdate(updater, addressUpdate([workloadAddress('c//v1/Pod/default/ok')]));
    const bad = addressUpdate(
      [
        workloadAddress('c//v1/Pod/default/new'),
        workloadAddress('c//v1/Pod/default/legacy', {
          tunnelProtocol: wl.TunnelProtocol.LEGACY_ISTIO_MTLS,
        }),
        workloadAddress('c//v1/Pod/default/short', { addresses: [new Uint8Array([1, 2, 3])] }),
      ],
      ['c//v1/Pod/default/ok'],
    );
    let error: unknown;
    try {
      applyAddressUpdate(updater, bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XdsRejection);
    expect((error as XdsRejection).message).toBe(
      'workload c//v1/Pod/default/legacy: tunnel protocol LEGACY_ISTIO_MTLS is not supported; ' +
        'workload c//v1/Pod/default/short: addresses[0]: an address must be 4 or 16 bytes, got 3',
    );
    expect([...state.workloads()].map((w) => w.uid)).toEqual(['c//v1/Pod/default/ok']);
  });

  it('fills in upstream defaults for an empty trust domain, service account and cluster', () => {
    const { state, updater } = createStateStore();
    applyAddressUpdate(updater, addressUpdate([workloadAddress('c//v1/Pod/default/a')]));
    expect(state.workloadByUid('c//v1/Pod/default/a')).toMatchObject({
      trustDomain: 'cluster.local',
      serviceAccount: 'default',
      clusterId: 'Kubernetes',
      capacity: 1,
    });
  });

  it('removes a name as a workload uid first, then as a service key', () => {
    const svc = testService('echo', '10.96.0.1', { 80: 8080 });
    const a = testWorkload('a', '10.0.0.2', { services: endpointOf(svc) });
    const { state, updater } = createStateStore();
    updater.applyAddresses({ workloads: [a], services: [svc], removed: [] });
    updater.applyAddresses({
      workloads: [],
      services: [],
      removed: ['default/echo.default.svc.cluster.local'],
    });
    expect(state.serviceByKey('default/echo.default.svc.cluster.local')).toBeUndefined();
    expect(state.workloadByUid(a.uid)).toBeDefined();
    // Endpoints of a service that is gone (or not yet here) are staged.
    expect(state.stagedServiceKeys()).toEqual(['default/echo.default.svc.cluster.local']);
    updater.applyAddresses({ workloads: [], services: [], removed: [a.uid] });
    expect(state.workloadByAddress({ network: '', address: a.addresses[0]! })).toBeUndefined();
  });

  it('finds a local pod by node, namespace, service account and name — never by IP', () => {
    const mine = testWorkload('app', '10.0.0.2', { node: 'node1' });
    const elsewhere = testWorkload('app', '10.0.0.3', { node: 'node2', uid: 'other' });
    const { state } = (() => {
      const s = createStateStore();
      s.updater.applyAddresses({ workloads: [mine, elsewhere], services: [], removed: [] });
      return s;
    })();
    expect(
      state.localWorkload('node1', { namespace: 'default', serviceAccount: 'app', name: 'app' })
        ?.uid,
    ).toBe(mine.uid);
    expect(
      state.localWorkload('node1', {
        namespace: 'default',
        serviceAccount: 'other-sa',
        name: 'app',
      }),
    ).toBeUndefined();
    expect(
      state.localWorkload('node3', { namespace: 'default', serviceAccount: 'app', name: 'app' }),
    ).toBeUndefined();
  });

  it('never matches a host-network workload by IP, and matches CIDR VIPs', () => {
    const host = testWorkload('node-agent', '10.0.0.9', { networkMode: 'HostNetwork' });
    const range = testService(
      'range',
      undefined,
      { 443: 443 },
      {
        vips: [{ network: '', address: '192.0.2.0' as never, prefixLength: 24 }],
      },
    );
    const s = createStateStore();
    s.updater.applyAddresses({ workloads: [host], services: [range], removed: [] });
    expect(s.state.workloadByAddress({ network: '', address: host.addresses[0]! })).toBeUndefined();
    expect(
      s.state.servicesByVip({ network: '', address: '192.0.2.77' as never }).map((x) => x.name),
    ).toEqual(['range']);
    expect(s.state.servicesByVip({ network: '', address: '192.0.3.1' as never })).toEqual([]);
  });

  it('tells listeners what changed', () => {
    const s = createStateStore();
    const seen: unknown[] = [];
    s.state.onChange((c) => seen.push(c));
    s.updater.applyAddresses({
      workloads: [testWorkload('a', '10.0.0.2')],
      services: [],
      removed: [],
    });
    s.updater.applyPolicies({ policies: [], removed: ['ns/gone'] });
    expect(seen).toEqual([
      { kind: 'addresses', workloads: ['cluster1//v1/Pod/default/a'], services: [] },
      { kind: 'policies', policies: [] },
    ]);
  });
});
