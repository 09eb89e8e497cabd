import {
  create,
  equals,
  fromBinary,
  ScalarType,
  toBinary,
  type DescField,
  type DescFile,
  type DescMessage,
} from '@bufbuild/protobuf';
import { nestedTypes, reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import { describe, expect, it } from 'vitest';
import { file_ambient_ts_waypoint_v1_waypoint } from './gen/ambient_ts/waypoint/v1/waypoint_pb.js';
import { file_envoy_config_core_v3_base } from './gen/envoy/config/core/v3/base_pb.js';
import { file_envoy_service_discovery_v3_discovery } from './gen/envoy/service/discovery/v3/discovery_pb.js';
import { file_google_rpc_status } from './gen/google/rpc/status_pb.js';
import { file_istio_security_authorization } from './gen/istio/security/authorization_pb.js';
import { file_istio_v1_auth_ca } from './gen/istio/v1/auth/ca_pb.js';
import { file_istio_workload_workload } from './gen/istio/workload/workload_pb.js';
import { file_istio_workload_zds_zds } from './gen/istio/workload/zds/zds_pb.js';

// Every message of every file we own is filled with a non-default value in
// every field (each oneof member in turn), encoded, decoded and compared. A
// field whose type or number cannot round-trip, or a message we forgot to
// generate, fails here.

const files: DescFile[] = [
  file_envoy_service_discovery_v3_discovery,
  file_envoy_config_core_v3_base,
  file_google_rpc_status,
  file_istio_workload_workload,
  file_istio_security_authorization,
  file_istio_workload_zds_zds,
  file_istio_v1_auth_ca,
  file_ambient_ts_waypoint_v1_waypoint,
];

function scalarSample(type: ScalarType, seed: number): unknown {
  switch (type) {
    case ScalarType.STRING:
      return `value-${seed}`;
    case ScalarType.BYTES:
      return new Uint8Array([seed, 0, 255]);
    case ScalarType.BOOL:
      return true;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return seed + 0.5;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return BigInt(-seed - 1);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return BigInt(seed + 1) << 40n;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return -seed - 1;
    default:
      return seed + 300;
  }
}

function enumSample(field: DescField & { enum: { values: { number: number }[] } }): number {
  const values = field.enum.values;
  return values[values.length - 1]?.number ?? 0;
}

// Fill a message. `variant` picks which member of each oneof is set; depth
// limits recursion through self-referencing well-known types (Struct/Value).
function populate(schema: DescMessage, variant: number, depth: number): ReflectMessage {
  const msg = reflect(schema);
  if (depth > 4) return msg;
  for (const member of schema.members) {
    const field = member.kind === 'oneof' ? member.fields[variant % member.fields.length] : member;
    if (field === undefined) continue;
    switch (field.fieldKind) {
      case 'scalar':
        msg.set(field, scalarSample(field.scalar, field.number));
        break;
      case 'enum':
        msg.set(field, enumSample(field));
        break;
      case 'message':
        msg.set(field, populate(field.message, variant, depth + 1));
        break;
      case 'list': {
        const list = msg.get(field);
        for (const seed of [field.number, field.number + 1]) {
          if (field.listKind === 'scalar') list.add(scalarSample(field.scalar, seed));
          else if (field.listKind === 'enum') list.add(enumSample(field));
          else list.add(populate(field.message, variant, depth + 1));
        }
        break;
      }
      case 'map': {
        const map = msg.get(field);
        const key = scalarSample(field.mapKey, field.number);
        if (field.mapKind === 'scalar') map.set(key, scalarSample(field.scalar, field.number));
        else if (field.mapKind === 'enum') map.set(key, enumSample(field));
        else map.set(key, populate(field.message, variant, depth + 1));
        break;
      }
    }
  }
  return msg;
}

function allMessages(file: DescFile): DescMessage[] {
  return [...nestedTypes(file)].filter((t): t is DescMessage => t.kind === 'message');
}

const cases = files.flatMap((file) =>
  allMessages(file).map((schema) => ({ name: schema.typeName, schema })),
);

describe('generated messages', () => {
  it('cover every message we declared', () => {
    const names = cases.map((c) => c.name);
    expect(names).toContain('istio.workload.Workload');
    expect(names).toContain('istio.workload.ApplicationTunnel');
    expect(names).toContain('istio.security.ServiceAccountMatch');
    expect(names).toContain('istio.workload.zds.WorkloadRequest');
    expect(names).toContain('envoy.service.discovery.v3.Resource.CacheControl');
    expect(names).toContain('ambient_ts.waypoint.v1.FaultInjection.Abort');
    expect(names.length).toBeGreaterThanOrEqual(70);
  });

  it.each(cases)('$name survives a binary round trip with every field set', ({ schema }) => {
    const variants = Math.max(1, ...schema.oneofs.map((oneof) => oneof.fields.length));
    for (let variant = 0; variant < variants; variant++) {
      const original = populate(schema, variant, 0).message;
      const bytes = toBinary(schema, original);
      if (schema.fields.length > 0) expect(bytes.length).toBeGreaterThan(0);
      const decoded = fromBinary(schema, bytes);
      expect(equals(schema, decoded, original)).toBe(true);
      expect(toBinary(schema, decoded)).toEqual(bytes);
    }
  });

  it.each(cases)('$name default instance encodes to zero bytes', ({ schema }) => {
    expect(toBinary(schema, create(schema))).toHaveLength(0);
  });
});
