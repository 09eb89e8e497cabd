// Fuzz: istio.workload.Address as ztunnel receives it. Any bytes (random, or a
// valid workload/service with bytes overwritten) either decode and convert to
// a domain value, or are refused with a typed error: a protobuf decode error
// (the NACK of the whole response) or ResourceRejectedError naming the
// resource. A response with a refused resource leaves the store as it was.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { workload as wl, type ResourceUpdate } from '@ambient-ts/xds-types';
import { fuzz, fuzzTimeoutMs, isProtobufDecodeError } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResourceRejectedError, serviceFromProto, workloadFromProto } from './convert.js';
import { applyAddressUpdate, XdsRejection } from './resource-handlers.js';
import { createStateStore } from './store.js';

const UID = 'Kubernetes//Pod/default/a';
const SERVICE = 'default/svc.default.svc.cluster.local';

const validWorkload = toBinary(
  wl.AddressSchema,
  create(wl.AddressSchema, {
    type: {
      case: 'workload',
      value: {
        uid: UID,
        name: 'a',
        namespace: 'default',
        addresses: [new Uint8Array([10, 0, 0, 1])],
        tunnelProtocol: wl.TunnelProtocol.HBONE,
        node: 'node1',
        serviceAccount: 'a',
        services: { [SERVICE]: { ports: [{ servicePort: 80, targetPort: 8080 }] } },
        authorizationPolicies: ['default/p'],
        waypoint: {
          destination: {
            case: 'address',
            value: { network: '', address: new Uint8Array([10, 0, 0, 9]) },
          },
          hboneMtlsPort: 15008,
        },
      },
    },
  }),
);
const validService = toBinary(
  wl.AddressSchema,
  create(wl.AddressSchema, {
    type: {
      case: 'service',
      value: {
        name: 'svc',
        namespace: 'default',
        hostname: 'svc.default.svc.cluster.local',
        addresses: [{ network: '', address: new Uint8Array([10, 96, 0, 1]) }],
        ports: [{ servicePort: 80, targetPort: 8080 }],
      },
    },
  }),
);

const mutatedFrom = (valid: Uint8Array) =>
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    .map((edits) => {
      const bytes = valid.slice();
      for (const [at, b] of edits) bytes[at % bytes.length] = b;
      return bytes;
    });

const addressBytes = fc.oneof(
  mutatedFrom(validWorkload),
  mutatedFrom(validService),
  fc.uint8Array({ maxLength: 120 }),
);

function decode(bytes: Uint8Array): wl.Address | undefined {
  try {
    return fromBinary(wl.AddressSchema, bytes);
  } catch (err) {
    if (!isProtobufDecodeError(err)) throw err;
    return undefined;
  }
}

/** The resource name istiod would use for the message (uid, or namespace/hostname). */
function nameOf(a: wl.Address): string {
  if (a.type.case === 'workload') return a.type.value.uid;
  if (a.type.case === 'service') return `${a.type.value.namespace}/${a.type.value.hostname}`;
  return 'none';
}

function convertsOrRefuses(a: wl.Address): boolean {
  try {
    if (a.type.case === 'workload') workloadFromProto(a.type.value, nameOf(a));
    else if (a.type.case === 'service') serviceFromProto(a.type.value, nameOf(a));
    else return false;
    return true;
  } catch (err) {
    if (!(err instanceof ResourceRejectedError)) throw err;
    return false;
  }
}

describe('Address from the wire (fuzz)', () => {
  it(
    'any bytes convert to a workload or service, or are refused with a typed error',
    () =>
      fuzz(
        'workload-state: Address bytes → Workload/Service',
        fc.property(addressBytes, (bytes) => {
          const a = decode(bytes);
          if (a) convertsOrRefuses(a);
        }),
      ),
    fuzzTimeoutMs(),
  );

  it(
    'a response with a refused resource changes nothing in the store',
    () =>
      fuzz(
        'workload-state: Address response → store',
        fc.property(fc.array(addressBytes, { minLength: 1, maxLength: 4 }), (list) => {
          const { state, updater } = createStateStore();
          const before = create(wl.AddressSchema, fromBinary(wl.AddressSchema, validWorkload));
          applyAddressUpdate(updater, {
            typeUrl: 'type.googleapis.com/istio.workload.Address',
            nonce: 'n0',
            added: [{ name: UID, version: '1', aliases: [], message: before }],
            removed: [],
          });
          const snapshot = () => [[...state.workloads()], [...state.services()]];
          const held = snapshot();
          const messages = list.map(decode).filter((a): a is wl.Address => a !== undefined);
          const update: ResourceUpdate<wl.Address> = {
            typeUrl: 'type.googleapis.com/istio.workload.Address',
            nonce: 'n1',
            added: messages.map((m, i) => ({
              name: nameOf(m),
              version: String(i),
              aliases: [],
              message: m,
            })),
            removed: [],
          };
          const allGood = messages.every(convertsOrRefuses);
          try {
            applyAddressUpdate(updater, update);
            expect(allGood).toBe(true);
          } catch (err) {
            if (!(err instanceof XdsRejection)) throw err;
            expect(allGood).toBe(false);
            expect(snapshot()).toEqual(held);
          }
        }),
      ),
    fuzzTimeoutMs(),
  );
});
