// SPIFFE checks after OpenSSL has verified the peer's chain against our roots.
// Server: the client must be in our own trust domain. Client: the server must
// carry one of the identities the caller expected.

import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { SvidError, verifyPeerSvid, type SpiffeId, type TrustDomain } from '@ambient-ts/spiffe';
import { HboneConfigError, IdentityMismatchError, PeerIdentityError } from './errors.js';

/** The identity in our own leaf certificate; its trust domain is what clients must share. */
export function ownIdentity(certChainPem: readonly string[]): SpiffeId {
  const leafPem = certChainPem[0];
  if (!leafPem)
    throw new HboneConfigError(
      'identity.certChainPem is empty; expected leaf first, then intermediates',
    );
  try {
    return verifyPeerSvid(new X509Certificate(leafPem));
  } catch (err) {
    throw new HboneConfigError(
      `identity.certChainPem[0] is not a usable SPIFFE SVID: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

function peerLeaf(socket: TLSSocket, who: string): X509Certificate {
  const leaf = socket.getPeerX509Certificate();
  if (!leaf)
    throw new PeerIdentityError(who, 'NO_CERTIFICATE', 'the peer presented no certificate');
  return leaf;
}

export function describePeer(socket: TLSSocket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

/** Server side: the client's SVID, required to be in `trustDomain`. */
export function verifyClientPeer(socket: TLSSocket, trustDomain: TrustDomain): SpiffeId {
  const who = describePeer(socket);
  try {
    return verifyPeerSvid(peerLeaf(socket, who), { trustDomain });
  } catch (err) {
    if (err instanceof SvidError)
      throw new PeerIdentityError(who, err.code, err.detail, { cause: err });
    throw err;
  }
}

/** Client side: the server's SVID, required to be one of `expected`. */
export function verifyServerPeer(
  socket: TLSSocket,
  destination: string,
  expected: readonly SpiffeId[],
): SpiffeId {
  const leaf = peerLeaf(socket, destination);
  try {
    return verifyPeerSvid(leaf, { expected: [...expected] });
  } catch (err) {
    if (err instanceof SvidError && err.code === 'IDENTITY_MISMATCH') {
      throw new IdentityMismatchError(
        destination,
        expected.map((e) => e.uri),
        presentedUris(leaf),
      );
    }
    if (err instanceof SvidError)
      throw new PeerIdentityError(destination, err.code, err.detail, { cause: err });
    throw err;
  }
}

function presentedUris(leaf: X509Certificate): string[] {
  // subjectAltName reads like 'URI:spiffe://td/ns/a/sa/b, DNS:x'.
  return (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}
