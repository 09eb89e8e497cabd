// Every watched resource of istiod: one Reflector per type feeding the
// indexed stores the index, the CA and the controllers read.

import { createIndexInputs, type IndexInputs } from '../ambient/inputs.js';
import type { Logger } from '../runtime/logger.js';
import type { KubeApi, Selection } from './kube-api.js';
import { ObjectStore } from './object-store.js';
import type { ConfigMap, KubeObject, Secret } from './objects.js';
import { Reflector } from './reflector.js';
import { RESOURCES, type ResourceType } from './resources.js';

export const MANAGED_BY_MESH_CONTROLLER = 'gateway.istio.io/managed=istio.io-mesh-controller';

export interface Informers {
  readonly inputs: IndexInputs;
  /** Secrets in istiod's namespace (CA material). */
  readonly secrets: ObjectStore<Secret>;
  /** The root-cert ConfigMaps, in every namespace. */
  readonly rootCertConfigMaps: ObjectStore<ConfigMap>;
  /** Objects the waypoint deployment controller manages. */
  readonly managedDeployments: ObjectStore<KubeObject>;
  readonly managedServiceAccounts: ObjectStore<KubeObject>;
  readonly reflectors: readonly Reflector<KubeObject>[];
  start(signal: AbortSignal): void;
  /** Resolves when every reflector listed once (or found its CRD absent). */
  whenSynced(): Promise<void>;
  /** Resources not synced yet, for /ready. */
  unsynced(): string[];
  close(): Promise<void>;
}

export function createInformers(
  api: KubeApi,
  options: { readonly namespace: string; readonly rootCertConfigMap: string },
  logger: Logger,
): Informers {
  const inputs = createIndexInputs();
  const secrets = new ObjectStore<Secret>('Secret');
  const rootCertConfigMaps = new ObjectStore<ConfigMap>('ConfigMap');
  const managedDeployments = new ObjectStore<KubeObject>('Deployment');
  const managedServiceAccounts = new ObjectStore<KubeObject>('ServiceAccount');
  const reflectors: Reflector<KubeObject>[] = [];
  const add = <T extends KubeObject>(
    type: ResourceType,
    store: ObjectStore<T>,
    selection?: Selection,
  ): void => {
    reflectors.push(
      new Reflector<T>({
        api,
        type,
        store,
        logger,
        ...(selection && { selection }),
      }) as unknown as Reflector<KubeObject>,
    );
  };
  add(RESOURCES.namespaces, inputs.namespaces);
  add(RESOURCES.pods, inputs.pods);
  add(RESOURCES.services, inputs.services);
  add(RESOURCES.endpointSlices, inputs.endpointSlices);
  add(RESOURCES.nodes, inputs.nodes);
  add(RESOURCES.gateways, inputs.gateways);
  add(RESOURCES.gatewayClasses, inputs.gatewayClasses);
  add(RESOURCES.httpRoutes, inputs.httpRoutes);
  add(RESOURCES.authorizationPolicies, inputs.authorizationPolicies);
  add(RESOURCES.peerAuthentications, inputs.peerAuthentications);
  add(RESOURCES.serviceEntries, inputs.serviceEntries);
  add(RESOURCES.workloadEntries, inputs.workloadEntries);
  add(RESOURCES.virtualServices, inputs.virtualServices);
  add(RESOURCES.destinationRules, inputs.destinationRules);
  add(RESOURCES.secrets, secrets, { namespace: options.namespace });
  add(RESOURCES.configMaps, rootCertConfigMaps, {
    fieldSelector: `metadata.name=${options.rootCertConfigMap}`,
  });
  add(RESOURCES.deployments, managedDeployments, { labelSelector: MANAGED_BY_MESH_CONTROLLER });
  add(RESOURCES.serviceAccounts, managedServiceAccounts, {
    labelSelector: MANAGED_BY_MESH_CONTROLLER,
  });

  return {
    inputs,
    secrets,
    rootCertConfigMaps,
    managedDeployments,
    managedServiceAccounts,
    reflectors,
    start(signal) {
      for (const r of reflectors) r.start(signal);
    },
    async whenSynced() {
      await Promise.all(reflectors.map((r) => r.whenSynced()));
    },
    unsynced() {
      return reflectors.filter((r) => !r.hasSynced).map((r) => r.resource);
    },
    async close() {
      await Promise.all(reflectors.map((r) => r.close()));
    },
  };
}
