// The xDS half of istiod without any transport: the resource store the
// index publishes into, the delta-ADS server over it, and the per-proxy
// filter. Used by the Istiod composition and by in-process tests alike.

import {
  ADDRESS_TYPE_URL,
  DeltaAdsServer,
  ResourceStore,
  type envoyCore,
  type XdsServerEvent,
} from '@ambient-ts/xds-types';
import type { AmbientIndex, IndexChange } from '../ambient/ambient-index.js';
import { GATEWAY_NAME_LABEL, type IndexInputs } from '../ambient/inputs.js';
import type { Logger } from '../runtime/logger.js';
import { proxyFilter, proxyPod } from './proxy-filter.js';
import { runsNodePod, type KnownPod } from './stream-binding.js';
import type { StreamCaller } from './stream-identity.js';
import { XdsPublisher } from './xds-publisher.js';

export interface XdsCoreOptions {
  readonly index: AmbientIndex;
  readonly inputs: IndexInputs;
  readonly logger: Logger;
  readonly debounceMs: number;
  readonly onEvent?: (event: XdsServerEvent) => void;
  readonly onResourcesChanged?: (typeUrl: string, names: readonly string[]) => void;
}

/** Pods as the stream-binding rules see them (service account, UID). */
export function knownPods(
  inputs: IndexInputs,
): (namespace: string, name: string) => KnownPod | undefined {
  return (namespace, name) => {
    const p = inputs.pods.get(`${namespace}/${name}`);
    if (!p) return undefined;
    return {
      serviceAccount: p.spec?.serviceAccountName ?? 'default',
      ...(p.metadata.uid && { uid: p.metadata.uid }),
    };
  };
}

/**
 * Who each stream's Node belongs to, keyed by the very Node object the
 * delta-ADS server hands the filter (one per stream): the authenticated
 * caller on :15012, `plaintext` on the development port. A Node with no entry
 * gets no waypoint listeners (fail closed).
 */
export type StreamOwner = StreamCaller | 'plaintext';

export class XdsCore {
  readonly store = new ResourceStore();
  readonly owners = new WeakMap<envoyCore.Node, StreamOwner>();
  readonly ads: DeltaAdsServer;
  readonly publisher: XdsPublisher;

  constructor(options: XdsCoreOptions) {
    const { index, inputs } = options;
    const pods = knownPods(inputs);
    this.publisher = new XdsPublisher(this.store, options.onResourcesChanged);
    this.ads = new DeltaAdsServer({
      source: this.store,
      logger: options.logger,
      debounceMs: options.debounceMs,
      ...(options.onEvent && { onEvent: options.onEvent }),
      filter: proxyFilter({
        workloadNode: (name) => index.workloadNode(name),
        workloadServices: (name) => {
          const out = index.addresses.get(name);
          return out?.message.type.case === 'workload'
            ? Object.keys(out.message.type.value.services)
            : [];
        },
        addressName: (n) =>
          this.store.get(ADDRESS_TYPE_URL, n)?.name ??
          this.store.getByAlias(ADDRESS_TYPE_URL, n)?.name,
        listenerWaypoint: (name) => index.listenerWaypoint(name),
        waypointOf: (node) => {
          const pod = proxyPod(node);
          if (!pod) return undefined;
          // A waypoint's listeners go only to the caller that runs its pod as
          // the pod's service account (stream-binding.ts rule 4).
          const owner = this.owners.get(node);
          if (owner === undefined) return undefined;
          if (owner !== 'plaintext' && !runsNodePod(owner, node, { pod: pods })) return undefined;
          const gateway = inputs.pods.get(`${pod.namespace}/${pod.name}`)?.metadata.labels?.[
            GATEWAY_NAME_LABEL
          ];
          return gateway ? `${pod.namespace}/${gateway}` : undefined;
        },
      }),
    });
  }

  /** Publishes an index change (the xDS store's one updater). */
  publish(change: IndexChange): void {
    this.publisher.apply(change);
  }

  start(signal?: AbortSignal): void {
    this.ads.start(signal);
  }

  close(): Promise<void> {
    return this.ads.close();
  }
}
