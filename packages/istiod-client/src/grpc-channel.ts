// How a proxy reaches istiod (xDS and CA): TLS verified against istiod's root
// (a file or literal PEM; system roots when unset), the verified name
// overridable, and per-call metadata with the proxy's token and cluster id.

import { existsSync, readFileSync } from 'node:fs';
import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import type { AuthToken, GrpcEndpoint } from './grpc-endpoint.js';

export function channelCredentials(e: GrpcEndpoint): {
  creds: ChannelCredentials;
  options: Record<string, string | number>;
} {
  if (!e.tls) return { creds: credentials.createInsecure(), options: {} };
  let root: Buffer | null = null;
  if (e.rootCa !== undefined) {
    if (existsSync(e.rootCa)) root = readFileSync(e.rootCa);
    else if (e.rootCa.includes('-----BEGIN')) root = Buffer.from(e.rootCa);
    else {
      throw new Error(
        `the root certificate ${e.rootCa} to verify ${e.target} does not exist; mount istiod's ` +
          'root (istio-ca-root-cert) there, set XDS_ROOT_CA/CA_ROOT_CA, or SYSTEM for system roots',
      );
    }
  }
  return {
    creds: credentials.createSsl(root),
    options: e.altHostname ? { 'grpc.ssl_target_name_override': e.altHostname } : {},
  };
}

export function metadataFor(e: GrpcEndpoint, token: () => string, clusterId: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token()}`);
  md.set('clusterid', clusterId);
  for (const [k, v] of Object.entries(e.headers)) md.set(k.toLowerCase(), v);
  return md;
}

/**
 * A synchronous reader of the token (gRPC metadata is built synchronously):
 * a file is re-read on every call because projected tokens rotate.
 */
export function tokenReader(t: AuthToken): () => string {
  if (t.kind === 'literal') return () => t.value;
  return () => {
    try {
      return readFileSync(t.value, 'utf8').trim();
    } catch (err) {
      throw new Error(
        `cannot read the token file ${t.value} (${(err as Error).message}); ` +
          'is the projected service account token (audience istio-ca) mounted?',
        { cause: err },
      );
    }
  };
}
