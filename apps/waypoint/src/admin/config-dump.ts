// :15000/config_dump — what this waypoint is executing, for people and for
// `istioctl proxy-config`-style tooling: its identity, the compiled listeners
// as istiod sent them (proto JSON), the xDS client's per-type state and the
// certificates it holds. Pure.

import { toJson } from '@bufbuild/protobuf';
import { waypoint, type XdsClientSnapshot } from '@ambient-ts/xds-types';
import type { CompiledListener } from '../l7/index.js';

export interface ConfigDumpInput {
  readonly identity: string;
  readonly listeners: readonly CompiledListener[];
  readonly xds: XdsClientSnapshot;
  readonly certificates: unknown;
}

export function waypointConfigDump(input: ConfigDumpInput): Record<string, unknown> {
  return {
    identity: input.identity,
    listeners: [...input.listeners]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((l) => ({
        name: l.name,
        protocol: l.protocol,
        ...(l.rejected !== undefined && { rejected: l.rejected, enforced: 'deny all' }),
        config: toJson(waypoint.WaypointListenerSchema, l.source),
      })),
    xds: input.xds,
    certificates: input.certificates,
  };
}
