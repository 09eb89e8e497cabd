// The object caches the ambient index derives from, with the secondary indexes
// it (and the CA) look things up by. The informer layer fills these stores from
// the API server; unit tests fill them by hand.

import type { KubeObject, Node, Pod, Service, EndpointSlice, Namespace } from '../kube/objects.js';
import { asRecord, asString } from '../kube/objects.js';
import { byNamespace, ObjectStore } from '../kube/object-store.js';

export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface IndexInputs {
  readonly namespaces: ObjectStore<Namespace>;
  readonly pods: ObjectStore<Pod>;
  readonly services: ObjectStore<Service>;
  readonly endpointSlices: ObjectStore<EndpointSlice>;
  readonly nodes: ObjectStore<Node>;
  readonly gateways: ObjectStore<KubeObject>;
  readonly gatewayClasses: ObjectStore<KubeObject>;
  readonly httpRoutes: ObjectStore<KubeObject>;
  readonly authorizationPolicies: ObjectStore<KubeObject>;
  readonly peerAuthentications: ObjectStore<KubeObject>;
  readonly serviceEntries: ObjectStore<KubeObject>;
  readonly workloadEntries: ObjectStore<KubeObject>;
  readonly virtualServices: ObjectStore<KubeObject>;
  readonly destinationRules: ObjectStore<KubeObject>;
}

/** `namespace/serviceAccount@node`, the CA's node-authorizer lookup key. */
export function saNodeKey(namespace: string, serviceAccount: string, node: string): string {
  return `${namespace}/${serviceAccount}@${node}`;
}

export function createIndexInputs(): IndexInputs {
  return {
    namespaces: new ObjectStore<Namespace>('Namespace'),
    pods: new ObjectStore<Pod>('Pod')
      .addIndex('namespace', byNamespace)
      .addIndex('node', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []))
      .addIndex('sa-node', (p) => {
        const node = p.spec?.nodeName;
        const ns = p.metadata.namespace;
        // The CA only counts pods that may still run: not Failed (upstream node_auth).
        if (!node || !ns || p.status?.phase === 'Failed') return [];
        return [saNodeKey(ns, p.spec?.serviceAccountName ?? 'default', node)];
      })
      .addIndex('gateway', (p) => {
        const gw = p.metadata.labels?.[GATEWAY_NAME_LABEL];
        return gw && p.metadata.namespace ? [`${p.metadata.namespace}/${gw}`] : [];
      }),
    services: new ObjectStore<Service>('Service').addIndex('namespace', byNamespace),
    endpointSlices: new ObjectStore<EndpointSlice>('EndpointSlice')
      .addIndex('service', (s) => {
        const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
        return svc && s.metadata.namespace ? [`${s.metadata.namespace}/${svc}`] : [];
      })
      .addIndex('target-pod', (s) => {
        const out: string[] = [];
        for (const ep of s.endpoints ?? []) {
          const ref = ep.targetRef;
          if (ref?.kind === 'Pod' && ref.name) {
            out.push(`${ref.namespace ?? s.metadata.namespace ?? ''}/${ref.name}`);
          }
        }
        return out;
      }),
    nodes: new ObjectStore<Node>('Node'),
    gateways: new ObjectStore<KubeObject>('Gateway')
      .addIndex('namespace', byNamespace)
      .addIndex('class', (g) => {
        const cls = asString(asRecord(g.spec)?.gatewayClassName);
        return cls ? [cls] : [];
      }),
    gatewayClasses: new ObjectStore<KubeObject>('GatewayClass'),
    httpRoutes: new ObjectStore<KubeObject>('HTTPRoute').addIndex('namespace', byNamespace),
    authorizationPolicies: new ObjectStore<KubeObject>('AuthorizationPolicy').addIndex(
      'namespace',
      byNamespace,
    ),
    peerAuthentications: new ObjectStore<KubeObject>('PeerAuthentication').addIndex(
      'namespace',
      byNamespace,
    ),
    serviceEntries: new ObjectStore<KubeObject>('ServiceEntry').addIndex('namespace', byNamespace),
    workloadEntries: new ObjectStore<KubeObject>('WorkloadEntry').addIndex(
      'namespace',
      byNamespace,
    ),
    virtualServices: new ObjectStore<KubeObject>('VirtualService').addIndex(
      'namespace',
      byNamespace,
    ),
    destinationRules: new ObjectStore<KubeObject>('DestinationRule').addIndex(
      'namespace',
      byNamespace,
    ),
  };
}
