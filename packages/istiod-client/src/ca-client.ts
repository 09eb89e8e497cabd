// Requests workload certificates from istiod's CA
// (istio.v1.auth.IstioCertificateService/CreateCertificate): a fresh ECDSA
// P-256 key and CSR per request, the proxy's own token as `authorization:
// Bearer`, and `clusterid`. A node proxy (ztunnel in shared mode) asks for
// its pods' identities and names each in `ImpersonatedIdentity` metadata,
// which istiod grants only to trusted node accounts; a proxy asking for its
// own identity (a waypoint, ztunnel in dedicated mode) sends no metadata, as
// upstream, because istiod would refuse it the impersonation. Either way the
// response's leaf must carry exactly the identity asked for and chain to the
// roots the response itself ends with; those roots become the trust bundle.

import { readFile } from 'node:fs/promises';
import { Metadata } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import {
  createCsr,
  generateWorkloadKey,
  splitPemCertificates,
  TrustBundle,
  verifySvidChain,
  type SpiffeId,
} from '@ambient-ts/spiffe';
import { ca, type IstioCertificateServiceClient } from '@ambient-ts/xds-types';
import type { AuthToken } from './grpc-endpoint.js';

/** A workload certificate as a proxy uses it. */
export interface WorkloadCertificate {
  readonly identity: SpiffeId;
  /** Leaf, then intermediates: what we present. */
  readonly certChainPem: readonly string[];
  readonly keyPem: string;
  /** The workload trust roots: the CA response's last element (may hold several roots). */
  readonly roots: readonly string[];
  /** Everything the CA returned, leaf..root (what RenewingCertificate tracks). */
  readonly fullChainPem: readonly string[];
}

/** Where certificates come from; main.ts wires the gRPC CA, tests may too. */
export interface CertificateSource {
  fetch(identity: SpiffeId, signal?: AbortSignal): Promise<WorkloadCertificate>;
}

export class CertificateRequestError extends Error {
  override readonly name = 'CertificateRequestError';
}

export interface CaClientOptions {
  readonly client: Pick<IstioCertificateServiceClient, 'createCertificate'>;
  /** Returns the proxy's token; re-read for every request (projected tokens rotate). */
  readonly token: () => Promise<string>;
  /**
   * true: the identities asked for are other workloads' (ztunnel in shared
   * mode), named in `ImpersonatedIdentity`. false: only the token's own
   * identity is asked for, with no metadata.
   */
  readonly impersonate: boolean;
  readonly clusterId: string;
  readonly ttlSeconds: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request deadline. Default 10 s. */
  readonly timeoutMs?: number;
}

/** A token from a file (re-read each time) or a literal (AUTH_TOKEN). */
export function tokenSource(t: AuthToken): () => Promise<string> {
  if (t.kind === 'literal') return () => Promise.resolve(t.value);
  return async () => {
    try {
      return (await readFile(t.value, 'utf8')).trim();
    } catch (err) {
      throw new CertificateRequestError(
        `cannot read the token file ${t.value} (${(err as Error).message}); ` +
          'is the projected service account token (audience istio-ca) mounted?',
        { cause: err },
      );
    }
  };
}

export function grpcCertificateSource(o: CaClientOptions): CertificateSource {
  return {
    async fetch(identity, signal) {
      const key = await generateWorkloadKey();
      const csr = await createCsr(identity, key);
      const md = new Metadata();
      md.set('authorization', `Bearer ${await o.token()}`);
      md.set('clusterid', o.clusterId);
      for (const [k, v] of Object.entries(o.headers ?? {})) md.set(k.toLowerCase(), v);
      const request = create(ca.IstioCertificateRequestSchema, {
        csr,
        validityDuration: BigInt(o.ttlSeconds),
        ...(o.impersonate ? { metadata: { ImpersonatedIdentity: identity.uri } } : {}),
      });
      let response: ca.IstioCertificateResponse;
      try {
        const call = o.client.createCertificate(request, md, {
          deadline: Date.now() + (o.timeoutMs ?? 10_000),
        });
        response = await (signal ? raceAbort(call, signal) : call);
      } catch (err) {
        throw new CertificateRequestError(
          `CreateCertificate for ${identity.uri} failed: ${(err as Error).message}; ` +
            (o.impersonate
              ? 'check CA_ADDRESS, that istiod trusts this ztunnel for impersonation ' +
                '(CA_TRUSTED_NODE_ACCOUNTS) and that the pod runs on this node'
              : "check CA_ADDRESS and that the token's service account is the identity asked for"),
          { cause: err },
        );
      }
      return certificateFromResponse(identity, response.certChain, key.privateKeyPem);
    },
  };
}

/** Validates a CA response for `identity` and splits it into what we present and what we trust. */
export function certificateFromResponse(
  identity: SpiffeId,
  certChain: readonly string[],
  keyPem: string,
): WorkloadCertificate {
  if (certChain.length < 2) {
    throw new CertificateRequestError(
      `the CA returned ${certChain.length} certificate(s) for ${identity.uri}; expected leaf ... root`,
    );
  }
  const pems = certChain.flatMap((c) => splitPemCertificates(c));
  const roots = splitPemCertificates(certChain[certChain.length - 1] ?? '');
  const presented = certChain.slice(0, -1).flatMap((c) => splitPemCertificates(c));
  try {
    verifySvidChain(presented, new TrustBundle(roots), { expected: [identity] });
  } catch (err) {
    throw new CertificateRequestError(
      `the CA's certificate for ${identity.uri} is unusable: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return { identity, certChainPem: presented, keyPem, roots, fullChainPem: pems };
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new CertificateRequestError('certificate request aborted', { cause: signal.reason }));
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}
