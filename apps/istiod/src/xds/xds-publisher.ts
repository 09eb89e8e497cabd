// The one updater of the delta-ADS ResourceStore: index changes go in whole,
// per type, as one store generation each (so a push is applied whole).

import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import {
  ADDRESS_TYPE_URL,
  AUTHORIZATION_TYPE_URL,
  WAYPOINT_LISTENER_TYPE_URL,
  packAny,
  security,
  waypoint,
  workload,
  type ResourceStore,
} from '@ambient-ts/xds-types';
import type { TableChange } from '../ambient/output-table.js';

export interface PublishableChange {
  readonly addresses: TableChange<workload.Address>;
  readonly authorizations: TableChange<security.Authorization>;
  readonly listeners: TableChange<waypoint.WaypointListener>;
}

export class XdsPublisher {
  constructor(
    private readonly store: ResourceStore,
    private readonly onChanged?: (typeUrl: string, names: readonly string[]) => void,
  ) {}

  apply(change: PublishableChange): void {
    this.applyType(ADDRESS_TYPE_URL, workload.AddressSchema, change.addresses);
    this.applyType(AUTHORIZATION_TYPE_URL, security.AuthorizationSchema, change.authorizations);
    this.applyType(WAYPOINT_LISTENER_TYPE_URL, waypoint.WaypointListenerSchema, change.listeners);
  }

  applyType<Desc extends DescMessage>(
    typeUrl: string,
    schema: Desc,
    change: TableChange<MessageShape<Desc>>,
  ): void {
    if (change.set.length === 0 && change.removed.length === 0) return;
    const changed = this.store.update(typeUrl, {
      set: change.set.map((o) => ({
        name: o.name,
        resource: packAny(schema, o.message),
        aliases: o.aliases,
      })),
      remove: change.removed,
    });
    if (changed.length > 0) this.onChanged?.(typeUrl, changed);
  }
}
