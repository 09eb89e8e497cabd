// What ztunnel subscribes to over delta ADS, and how each response reaches the
// state store: Address responses whole or not at all; Authorization responses
// with their valid policies applied and each rejected one failed closed (the
// NACK names them). One function so tests run exactly what ztunnel runs.

import {
  applyAddressUpdate,
  authorizationSubscription,
  type StateUpdater,
} from '@ambient-ts/workload-state';
import { typeSubscription, workload, type TypeSubscription } from '@ambient-ts/xds-types';

export function wdsSubscriptions(updater: StateUpdater): TypeSubscription[] {
  return [
    typeSubscription(workload.AddressSchema, {
      apply: (u) => void applyAddressUpdate(updater, u),
    }),
    authorizationSubscription(updater),
  ];
}
