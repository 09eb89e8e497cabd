import { describe, expect, it } from 'vitest';
import { xdsNode, type NodeInput } from './xds-node.js';

const input: NodeInput = {
  proxyType: 'ztunnel',
  instanceIp: '10.244.1.7',
  podName: 'ztunnel-abcde',
  podNamespace: 'istio-system',
  nodeName: 'node1',
  proxyMetadata: { CLUSTER_ID: 'Kubernetes', NAME: 'overridden' },
  jsonMetadata: { LABELS: { app: 'ztunnel' } },
};

describe('the xDS node a proxy announces', () => {
  it("is upstream ztunnel's id and metadata, our own fields winning over ISTIO_META_*", () => {
    const node = xdsNode(input);
    expect(node.id).toBe(
      'ztunnel~10.244.1.7~ztunnel-abcde.istio-system~istio-system.svc.cluster.local',
    );
    expect(JSON.stringify(node.metadata)).toBe(
      '{"CLUSTER_ID":"Kubernetes","NAME":"ztunnel-abcde","LABELS":{"app":"ztunnel"},' +
        '"NAMESPACE":"istio-system","INSTANCE_IPS":"10.244.1.7","NODE_NAME":"node1","ISTIO_VERSION":"1.30.0"}',
    );
  });

  it('leads with the proxy type, so a waypoint is told apart from a ztunnel', () => {
    const node = xdsNode({
      ...input,
      proxyType: 'waypoint',
      podName: 'waypoint-5d9f',
      podNamespace: 'bookinfo',
    });
    expect(node.id).toBe('waypoint~10.244.1.7~waypoint-5d9f.bookinfo~bookinfo.svc.cluster.local');
  });

  it("uses upstream's placeholder IP when the pod IP is unknown", () => {
    expect(xdsNode({ ...input, instanceIp: '' }).id).toMatch(/^ztunnel~1\.1\.1\.1~/);
    expect(xdsNode({ ...input, instanceIp: '' }).metadata.INSTANCE_IPS).toBe('');
  });
});
