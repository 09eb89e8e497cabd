// The xDS half of istiod without any transport: the resource store the
// index publishes into, the delta-ADS server over it, and the per-proxy
// filter. Used by the Istiod composition and by in-process tests alike.

import {
  ADDRESS_TYPE_URL,
  DeltaAdsServer,
  ResourceStore,
  type XdsServerEvent,
} from '@ambient-ts/xds-types';
import type { AmbientIndex, IndexChange } from '../ambient/ambient-index.js';
import { GATEWAY_NAME_LABEL, type IndexInputs } from '../ambient/inputs.js';
import type { Logger } from '../runtime/logger.js';
import { proxyFilter, proxyPod } from './proxy-filter.js';
import { XdsPublisher } from './xds-publisher.js';

export interface XdsCoreOptions {
  readonly index: AmbientIndex;
  readonly inputs: IndexInputs;
  readonly logger: Logger;
  readonly debounceMs: number;
  readonly onEvent?: (event: XdsServerEvent) => void;
  readonly onResourcesChanged?: (typeUrl: string, names: readonly string[]) => void;
}

export class XdsCore {
  readonly store = new ResourceStore();
  readonly ads: DeltaAdsServer;
  readonly publisher: XdsPublisher;

  constructor(options: XdsCoreOptions) {
    const { index, inputs } = options;
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
