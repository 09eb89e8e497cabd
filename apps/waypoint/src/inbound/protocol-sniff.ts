// Which HTTP version a client speaks inside the tunnel. There is no TLS or
// ALPN there (the tunnel itself is the mTLS), so HTTP/2 is recognised by its
// connection preface (RFC 9113 §3.4, "prior knowledge"), as Envoy's codec
// auto-detection does. Everything else is handed to the HTTP/1.1 parser.

import type { Duplex } from 'node:stream';

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** 'h2' / 'http1' once decidable from the first bytes, undefined while they are a prefix of the preface. */
export function sniffProtocol(firstBytes: Buffer): 'h2' | 'http1' | undefined {
  const n = Math.min(firstBytes.length, H2_PREFACE.length);
  if (!firstBytes.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return 'http1';
  return firstBytes.length >= H2_PREFACE.length ? 'h2' : undefined;
}

/** Reads until the protocol is known, puts the bytes back, and reports it. */
export function detectProtocol(socket: Duplex, decided: (p: 'h2' | 'http1') => void): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    const protocol = sniffProtocol(seen);
    if (protocol === undefined) return;
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    socket.unshift(seen);
    decided(protocol);
  };
  // A client that sent a partial preface and stopped: nothing to serve.
  const onEnd = (): void => {
    socket.destroy();
  };
  socket.on('data', onData);
  socket.once('end', onEnd);
}
