// Playing kubelet for istiod's integration tests on a bare control plane
// (no kubelets run): register Nodes and keep them Ready, put pods on them
// with an IP and a Ready condition, bind pods a controller created.

import type { KubeApi } from '../../src/kube/kube-api.js';
import type { KubeObject, Pod } from '../../src/kube/objects.js';
import { RESOURCES, type ResourceType } from '../../src/kube/resources.js';

const LEASES: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
  crd: false,
};

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Registers Nodes and keeps them Ready (status heartbeat + lease) until stop(). */
export async function fakeNodes(api: KubeApi, names: readonly string[]): Promise<{ stop(): void }> {
  const beat = async (): Promise<void> => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const name of names) {
      await api.patch(
        RESOURCES.nodes,
        name,
        undefined,
        {
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'KubeletReady',
                message: 'test heartbeat',
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              },
            ],
          },
        },
        { patchType: 'merge', subresource: 'status' },
      );
      const lease = await api.get(LEASES, name, 'kube-node-lease');
      const spec = {
        holderIdentity: name,
        leaseDurationSeconds: 40,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
      };
      if (lease) await api.patch(LEASES, name, 'kube-node-lease', { spec }, { patchType: 'merge' });
      else await api.create(LEASES, { metadata: { name, namespace: 'kube-node-lease' }, spec });
    }
  };
  for (const name of names) {
    await api.create(RESOURCES.nodes, {
      metadata: { name, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': name } },
    });
  }
  await beat();
  const timer = setInterval(() => {
    void beat().catch(() => undefined);
  }, 5000);
  return {
    stop() {
      clearInterval(timer);
    },
  };
}

/** The pod's status as a kubelet would report it: Running, Ready, with this IP. */
export async function markRunning(
  api: KubeApi,
  namespace: string,
  name: string,
  ip: string,
  ready = true,
): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await api.patch(
    RESOURCES.pods,
    name,
    namespace,
    {
      status: {
        phase: 'Running',
        podIP: ip,
        podIPs: [{ ip }],
        hostIP: '172.18.0.2',
        conditions: [
          { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
          { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
        ],
      },
    },
    { patchType: 'merge', subresource: 'status' },
  );
}

export interface PodSpec {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly serviceAccount?: string;
  readonly node: string;
  readonly ip: string;
  readonly ports?: { name: string; containerPort: number }[];
}

/** A pod placed on a node (no scheduler), then marked running with its IP. */
export async function runPod(
  api: KubeApi,
  namespace: string,
  name: string,
  spec: PodSpec,
): Promise<Pod> {
  const pod = await api.create<Pod>(RESOURCES.pods, {
    metadata: { name, namespace, labels: spec.labels ?? {}, annotations: spec.annotations ?? {} },
    spec: {
      nodeName: spec.node,
      serviceAccountName: spec.serviceAccount ?? 'default',
      containers: [{ name: 'app', image: 'busybox', ...(spec.ports && { ports: spec.ports }) }],
    },
  } as KubeObject as Pod);
  await markRunning(api, namespace, name, spec.ip);
  return pod;
}

export async function ensureNamespace(
  api: KubeApi,
  name: string,
  labels: Record<string, string> = {},
): Promise<void> {
  if (await api.get(RESOURCES.namespaces, name)) {
    await api.patch(
      RESOURCES.namespaces,
      name,
      undefined,
      { metadata: { labels } },
      { patchType: 'merge' },
    );
    return;
  }
  await api.create(RESOURCES.namespaces, { metadata: { name, labels } });
}

export async function ensureServiceAccount(
  api: KubeApi,
  namespace: string,
  name: string,
): Promise<void> {
  if (!(await api.get(RESOURCES.serviceAccounts, name, namespace))) {
    await api.create(RESOURCES.serviceAccounts, { metadata: { name, namespace } });
  }
}
