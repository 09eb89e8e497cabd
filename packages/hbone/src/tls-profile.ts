// The TLS parameters of HBONE, both sides: TLS 1.3 only, the two AES-GCM
// suites, ALPN h2, mutual certificates verified against the trust bundle.

import type { SecureContextOptions } from 'node:tls';
import type { TrustBundle } from '@ambient-ts/spiffe';

export const HBONE_ALPN = 'h2';
/** Node takes TLS 1.3 suites through `ciphers` (names starting with TLS_). */
export const HBONE_CIPHERS = 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256';

/** A workload's certificate: leaf first, then intermediates (not the root). */
export interface HboneIdentity {
  readonly certChainPem: readonly string[];
  readonly keyPem: string;
}

/** Roots to verify peers against: PEM strings, or a spiffe TrustBundle. */
export type TrustRoots = TrustBundle | readonly string[];

export function rootPems(roots: TrustRoots): string[] {
  return Array.isArray(roots)
    ? [...(roots as readonly string[])]
    : [...(roots as TrustBundle).pems];
}

export function secureContextOptions(
  identity: HboneIdentity,
  roots: TrustRoots,
): SecureContextOptions {
  return {
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    ciphers: HBONE_CIPHERS,
    cert: identity.certChainPem.join('\n'),
    key: identity.keyPem,
    ca: rootPems(roots),
  };
}
