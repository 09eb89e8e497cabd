// The post-handshake check for a TLS peer whose chain OpenSSL has already
// verified against our roots (requestCert + rejectUnauthorized): only the
// SPIFFE rules remain, and their static part is cached per certificate.
import type { X509Certificate } from 'node:crypto';
import { certFacts } from './cert-facts.js';
import type { SpiffeId } from './spiffe-id.js';
import {
  checkIdentity,
  checkValidity,
  leafIdentity,
  type IdentityExpectations,
} from './svid-rules.js';

export interface PeerSvidOptions extends IdentityExpectations {
  /** Defaults to the current time. */
  readonly now?: Date;
}

export function verifyPeerSvid(leaf: X509Certificate, opts: PeerSvidOptions = {}): SpiffeId {
  const facts = certFacts(leaf);
  const id = leafIdentity(facts);
  checkValidity(facts, (opts.now ?? new Date()).getTime(), `certificate of ${id.uri}`);
  checkIdentity(id, opts);
  return id;
}
