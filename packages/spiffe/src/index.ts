// Public API of @ambient-ts/spiffe. Everything else in src/ is internal.
export {
  formatSpiffeId,
  istioIdentity,
  MAX_SPIFFE_ID_BYTES,
  MAX_TRUST_DOMAIN_BYTES,
  parseIstioIdentity,
  parseSpiffeId,
  parseTrustDomain,
  sameSpiffeId,
  spiffeIdFromPath,
  SpiffeIdError,
  type SpiffeId,
  type SpiffeIdRule,
  type TrustDomain,
} from './spiffe-id.js';
export { generateWorkloadKey, KeyError, type KeyErrorCode, type KeyPairPem } from './keys.js';
export { createCsr } from './csr.js';
export { CaError, type CaErrorCode } from './ca-error.js';
export {
  CertificateAuthority,
  CLOCK_SKEW_GRACE_MS,
  DEFAULT_WORKLOAD_TTL_SECONDS,
  MAX_WORKLOAD_TTL_SECONDS,
  SELF_SIGNED_ROOT_DAYS,
  type CaOptions,
  type PluginCaFiles,
  type SignOptions,
} from './certificate-authority.js';
export { TrustBundle } from './trust-bundle.js';
export { SvidError, type SvidErrorCode } from './svid-error.js';
export { verifyPeerSvid, type PeerSvidOptions } from './verify-peer.js';
export { verifySvidChain, type SvidChainOptions } from './verify-chain.js';
export {
  renewalTime,
  RenewalError,
  RenewingCertificate,
  systemTimers,
  ZTUNNEL_BACKOFF,
  type Backoff,
  type IssuedCertificate,
  type RenewalErrorCode,
  type RenewalEvent,
  type RenewingCertificateOptions,
  type ServingCertificate,
  type Timers,
} from './renewal.js';
export { splitPemCertificates } from './pem.js';
export { systemClock, type Clock } from './clock.js';

/** Istio's default trust domain. */
export const TRUST_DOMAIN_DEFAULT = 'cluster.local';
