// What the demo prints once bookinfo runs in ambient mode: how to look around the cluster it
// leaves running, and how to take it down. Pure.
import { DEFAULT_CLUSTER_NAME } from '@ambient-ts/local-cluster';
import { MESH_NAMESPACE, REDIRECTION_ANNOTATION } from './ambient/mesh-names.js';

export interface DemoFacts {
  readonly clusterName: string;
  readonly kubeconfig: string;
  readonly logsDir: string;
  readonly namespace: string;
  readonly nodes: readonly string[];
}

export function demoInstructions(f: DemoFacts): string {
  const nameFlag = f.clusterName === DEFAULT_CLUSTER_NAME ? '' : ` --name ${f.clusterName}`;
  const demo = `npm run -s demo --${nameFlag}`;
  const annotation = REDIRECTION_ANNOTATION.replace(/\./g, '\\.');
  const otherNode = f.nodes[1] ?? f.nodes[0] ?? 'node-1';
  return [
    `The cluster "${f.clusterName}" keeps running (${f.nodes.length} nodes). Look around:`,
    '',
    `  export KUBECONFIG=${f.kubeconfig}`,
    '  kubectl get pods -A -o wide',
    `  kubectl -n ${f.namespace} get pods -o custom-columns='POD:.metadata.name,REDIRECTION:.metadata.annotations.${annotation}'`,
    `  kubectl -n ${MESH_NAMESPACE} logs -l app=ztunnel --tail=-1 --prefix | grep 'connection complete'`,
    '',
    "  ztunnel's admin and metrics listen inside its pod (kubectl exec is not served by the local",
    '  cluster’s kubelet), so the demo reads them for you:',
    `  ${demo} ztunnel /config_dump                        # workloads, services, policies, certificates`,
    `  ${demo} ztunnel /config_dump --node ${otherNode}       # the ztunnel on another node`,
    `  ${demo} ztunnel /stats/prometheus | grep istio_tcp_connections_opened_total`,
    `  ${demo} call                                        # call productpage again, print the identity lines`,
    '',
    `  component and kubelet logs: ${f.logsDir}`,
    '',
    `Tear it down: npm run cluster:down${nameFlag ? ` --${nameFlag}` : ''}`,
  ].join('\n');
}
