// Test PKI: a self-signed mesh CA from @ambient-ts/spiffe and workload SVIDs
// signed by it, shaped the way hbone's server and pool take them.

import {
  CertificateAuthority,
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  type SpiffeId,
  type TrustBundle,
} from '@ambient-ts/spiffe';

export interface TestWorkload {
  readonly identity: SpiffeId;
  /** Leaf, then intermediates: what the workload presents. */
  readonly certChainPem: string[];
  readonly keyPem: string;
  readonly trustBundle: TrustBundle;
}

export interface TestMesh {
  readonly ca: CertificateAuthority;
  readonly trustDomain: string;
  workload(namespace: string, serviceAccount: string, trustDomain?: string): Promise<TestWorkload>;
}

export async function testMesh(trustDomain = 'cluster.local'): Promise<TestMesh> {
  const ca = await CertificateAuthority.selfSigned({ trustDomain });
  return {
    ca,
    trustDomain,
    async workload(namespace, serviceAccount, td = trustDomain) {
      const identity = istioIdentity(td, namespace, serviceAccount);
      const key = await generateWorkloadKey();
      const chain = await ca.sign(await createCsr(identity, key), { identity });
      // sign() returns leaf..root; peers are sent everything but the root.
      return {
        identity,
        certChainPem: chain.slice(0, -1),
        keyPem: key.privateKeyPem,
        trustBundle: ca.trustBundle,
      };
    },
  };
}
