// Who a delta-ADS stream comes from, for the per-peer stream cap. The key is
// the client's address, plus its authenticated identity when the stream
// carries one. Address alone would lump distinct workloads behind one address
// (a NAT, a node's pods sharing loopback in tests); identity alone would lump
// every ztunnel of the cluster together, since all of them run as the same
// service account.

import type { ServerDuplexStream } from '@grpc/grpc-js';

/** What the caller of handleStream learnt about the client. */
export interface StreamPeer {
  /** The identity authentication established (e.g. a SPIFFE ID or a Kubernetes SA). */
  readonly identity?: string;
}

type PeerCall = Pick<ServerDuplexStream<unknown, unknown>, 'getPeer'> &
  Partial<Pick<ServerDuplexStream<unknown, unknown>, 'getAuthContext'>>;

export function peerKey(call: PeerCall, peer: StreamPeer): string {
  const address = peerAddress(call.getPeer());
  const identity = peer.identity ?? certificateIdentity(call);
  return identity === undefined ? address : `${identity}@${address}`;
}

/** `1.2.3.4:5678` → `1.2.3.4`, `::1:5678` → `::1`; `unknown` (e.g. a unix socket) stays. */
export function peerAddress(peer: string): string {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(peer);
  return m?.[1] ?? peer;
}

/** The first URI SAN of an mTLS client certificate, if the transport has one. */
function certificateIdentity(call: PeerCall): string | undefined {
  let san: string | undefined;
  try {
    san = call.getAuthContext?.().sslPeerCertificate?.subjectaltname;
  } catch {
    return undefined;
  }
  const uri = san
    ?.split(', ')
    .find((entry) => entry.startsWith('URI:'))
    ?.slice(4);
  return uri === undefined || uri === '' ? undefined : uri;
}
