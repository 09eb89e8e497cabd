// Certificates for the workloads a test or the bench plays itself (client
// pods, stand-in destination ztunnels), signed straight by the stand-in
// istiod's CA. The waypoint under test asks for its own over gRPC instead.

import {
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  type CertificateAuthority,
  type SpiffeId,
} from '@ambient-ts/spiffe';

/** A workload's identity and keys, in the shape both HbonePool and the HBONE server take. */
export interface Svid {
  readonly identity: SpiffeId;
  /** Leaf first, without the root. */
  readonly certChainPem: readonly string[];
  readonly keyPem: string;
  readonly trustBundle: readonly string[];
}

export async function issueSvid(
  ca: CertificateAuthority,
  trustDomain: string,
  namespace: string,
  serviceAccount: string,
): Promise<Svid> {
  const identity = istioIdentity(trustDomain, namespace, serviceAccount);
  const key = await generateWorkloadKey();
  const chain = await ca.sign(await createCsr(identity, key), { identity });
  return {
    identity,
    certChainPem: chain.slice(0, -1),
    keyPem: key.privateKeyPem,
    trustBundle: [ca.rootCertPem],
  };
}
