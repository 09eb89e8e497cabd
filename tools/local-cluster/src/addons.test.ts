// The add-on manifests name the cluster's fixed addresses literally; these
// tests keep them in step with CLUSTER_NETWORK and with the image table.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseManifests } from './kube/manifests.js';
import { apiserverUrlForNodes, CLUSTER_NETWORK } from './network/plan.js';
import { ADDONS_DIR, IMAGE_TABLE } from './repo-paths.js';
import { KUBERNETES_VERSION, COREDNS_VERSION } from './versions.js';

async function addons(): Promise<KubernetesObject[]> {
  const files = (await readdir(ADDONS_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  const all: KubernetesObject[] = [];
  for (const f of files)
    all.push(...parseManifests(await readFile(path.join(ADDONS_DIR, f), 'utf8'), f));
  return all;
}

function find(objs: KubernetesObject[], kind: string, name: string): unknown {
  const o = objs.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${ADDONS_DIR}`);
  return o;
}

describe('cluster add-ons', () => {
  it('give kube-dns the ClusterIP the kubelets hand to pods', async () => {
    const svc = find(await addons(), 'Service', 'kube-dns') as {
      spec: { clusterIP: string; ports: { port: number; protocol: string }[] };
    };
    expect(svc.spec.clusterIP).toBe(CLUSTER_NETWORK.dnsServiceIp);
    expect(
      svc.spec.ports
        .filter((p) => p.port === 53)
        .map((p) => p.protocol)
        .sort(),
    ).toEqual(['TCP', 'UDP']);
  });

  it('point kube-proxy at the apiserver bridge address and the cluster pod CIDR in iptables mode', async () => {
    const cm = find(await addons(), 'ConfigMap', 'kube-proxy') as { data: Record<string, string> };
    const kubeconfig = parse(cm.data['kubeconfig.conf'] ?? '') as {
      clusters: { cluster: { server: string } }[];
    };
    expect(kubeconfig.clusters[0]?.cluster.server).toBe(apiserverUrlForNodes());
    const config = parse(cm.data['config.conf'] ?? '') as {
      mode: string;
      clusterCIDR: string;
      conntrack: { maxPerCore: number };
    };
    expect(config.mode).toBe('iptables');
    expect(config.clusterCIDR).toBe(CLUSTER_NETWORK.podCidr);
    expect(config.conntrack.maxPerCore).toBe(0);
  });

  it('use images of the versions we build, each mapped in the local image table', async () => {
    const objs = await addons();
    const images = objs.flatMap((o) => {
      const spec = (o as { spec?: { template?: { spec?: { containers?: { image: string }[] } } } })
        .spec;
      return spec?.template?.spec?.containers?.map((c) => c.image) ?? [];
    });
    expect(images.sort()).toEqual([
      `registry.k8s.io/coredns/coredns:${COREDNS_VERSION}`,
      `registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`,
    ]);
    const table = JSON.parse(await readFile(IMAGE_TABLE, 'utf8')) as {
      images: { repository: string }[];
    };
    const repos = table.images.map((i) => i.repository);
    for (const image of images) expect(repos).toContain(image.slice(0, image.lastIndexOf(':')));
  });
});
