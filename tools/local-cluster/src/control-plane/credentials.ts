// Writes a cluster's PKI and kubeconfigs into its state dir.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { apiserverUrlForNodes, CLUSTER_NETWORK, type NodePlan } from '../network/plan.js';
import {
  createCertificateAuthority,
  createServiceAccountKeys,
  issueCertificate,
  type CertificateAuthority,
  type PemPair,
} from '../pki/pki.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { nodeLayout, pkiPath, type ClusterLayout } from './layout.js';

export const APISERVER_DNS_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  `kubernetes.default.svc.${CLUSTER_NETWORK.clusterDomain}`,
  'localhost',
];
export const APISERVER_IPS = [
  '127.0.0.1',
  CLUSTER_NETWORK.kubernetesServiceIp,
  CLUSTER_NETWORK.gatewayIp,
];

const INTERNAL_SERVER = `https://127.0.0.1:${CLUSTER_NETWORK.apiserverPort}`;

async function writeSecret(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content, { mode: 0o600 });
}

async function writePair(dir: string, base: string, pair: PemPair): Promise<void> {
  await writeSecret(path.join(dir, `${base}.crt`), pair.certPem);
  await writeSecret(path.join(dir, `${base}.key`), pair.keyPem);
}

export async function writeClusterCredentials(
  layout: ClusterLayout,
  clusterName: string,
  nodes: readonly NodePlan[],
): Promise<void> {
  const ca: CertificateAuthority = await createCertificateAuthority(`ambient-ts-${clusterName}-ca`);
  await writeSecret(pkiPath(layout, 'caCert'), ca.certPem);
  await writeSecret(pkiPath(layout, 'caKey'), ca.keyPem);

  await writePair(
    layout.pki,
    'apiserver',
    await issueCertificate(ca, {
      commonName: 'kube-apiserver',
      dnsNames: APISERVER_DNS_NAMES,
      ipAddresses: APISERVER_IPS,
      usage: 'server',
    }),
  );
  // The apiserver's identity towards kubelets (pods/log, pods/exec); a
  // cluster admin like kubeadm's, so a kubelet may authorize it either by
  // its CA or by a SubjectAccessReview.
  await writePair(
    layout.pki,
    'apiserver-kubelet-client',
    await issueCertificate(ca, {
      commonName: 'kube-apiserver-kubelet-client',
      organizations: ['system:masters'],
      usage: 'client',
    }),
  );
  // The aggregation layer's identity (requestheader auth), from its own CA
  // as kubeadm does, so no client of the cluster CA can pose as the proxy.
  const frontProxyCa = await createCertificateAuthority(`ambient-ts-${clusterName}-front-proxy-ca`);
  await writeSecret(pkiPath(layout, 'frontProxyCaCert'), frontProxyCa.certPem);
  await writePair(
    layout.pki,
    'front-proxy-client',
    await issueCertificate(frontProxyCa, { commonName: 'front-proxy-client', usage: 'client' }),
  );
  const sa = await createServiceAccountKeys();
  await writeSecret(pkiPath(layout, 'serviceAccountKey'), sa.privatePem);
  await writeSecret(pkiPath(layout, 'serviceAccountPub'), sa.publicPem);

  const clients: { file: string; user: string; organizations?: string[] }[] = [
    { file: 'admin', user: 'kubernetes-admin', organizations: ['system:masters'] },
    { file: 'controller-manager', user: 'system:kube-controller-manager' },
    { file: 'scheduler', user: 'system:kube-scheduler' },
  ];
  for (const c of clients) {
    const pair = await issueCertificate(ca, {
      commonName: c.user,
      ...(c.organizations ? { organizations: c.organizations } : {}),
      usage: 'client',
    });
    await writePair(layout.pki, c.file, pair);
    await writeSecret(
      path.join(layout.internalKubeconfigs, `${c.file}.kubeconfig`),
      kubeconfigYaml({
        clusterName,
        server: INTERNAL_SERVER,
        caPem: ca.certPem,
        user: c.user,
        clientCertPem: pair.certPem,
        clientKeyPem: pair.keyPem,
      }),
    );
  }

  for (const node of nodes) {
    const nl = nodeLayout(layout, node.name);
    // system:node:<name> in system:nodes: the Node authorizer and
    // NodeRestriction then treat the kubelet exactly as on a real node.
    const client = await issueCertificate(ca, {
      commonName: `system:node:${node.name}`,
      organizations: ['system:nodes'],
      usage: 'client',
    });
    await writeSecret(
      nl.kubeconfig,
      kubeconfigYaml({
        clusterName,
        server: apiserverUrlForNodes(),
        caPem: ca.certPem,
        user: `system:node:${node.name}`,
        clientCertPem: client.certPem,
        clientKeyPem: client.keyPem,
      }),
    );
    // Serving certificate for the kubelet's :10250, signed by the cluster CA.
    const serving = await issueCertificate(ca, {
      commonName: `system:node:${node.name}`,
      organizations: ['system:nodes'],
      dnsNames: [node.name],
      ipAddresses: [node.ip],
      usage: 'server',
    });
    await writeSecret(nl.kubeletCert, serving.certPem);
    await writeSecret(nl.kubeletKey, serving.keyPem);
  }
}

/** The kubeconfig for clients on the host, pointing at the loopback forwarder. */
export async function writeHostKubeconfig(
  layout: ClusterLayout,
  clusterName: string,
  port: number,
): Promise<string> {
  const [caPem, certPem, keyPem] = await Promise.all([
    readFile(pkiPath(layout, 'caCert'), 'utf8'),
    readFile(path.join(layout.pki, 'admin.crt'), 'utf8'),
    readFile(path.join(layout.pki, 'admin.key'), 'utf8'),
  ]);
  await writeSecret(
    layout.kubeconfig,
    kubeconfigYaml({
      clusterName,
      // 127.0.0.1 is among the apiserver's SANs, so TLS verifies as is.
      server: `https://127.0.0.1:${port}`,
      caPem,
      user: 'kubernetes-admin',
      clientCertPem: certPem,
      clientKeyPem: keyPem,
    }),
  );
  return layout.kubeconfig;
}
