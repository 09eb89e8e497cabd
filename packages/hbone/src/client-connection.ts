// One outbound HBONE connection: TCP → TLS 1.3 (no SNI, no resumption, our
// SVID as client certificate) → SPIFFE check of the server → HTTP/2 with
// upstream's windows → the server's SETTINGS. Only after that SETTINGS frame
// is the connection usable: in TLS 1.3 the server judges our certificate
// after the client's handshake has finished, so a refusal shows up as an
// alert at that point, not as a failed connect.

import http2, { type ClientHttp2Session } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { SpiffeId } from '@ambient-ts/spiffe';
import type { HboneTarget } from './authority.js';
import {
  AbortedError,
  ConnectTimeoutError,
  DialError,
  HandshakeError,
  HboneError,
  messageOf,
} from './errors.js';
import { startKeepalive } from './keepalive.js';
import { verifyServerPeer } from './peer-identity.js';
import type { HboneSettings } from './settings.js';
import { HBONE_ALPN } from './tls-profile.js';
import type { Timers } from './timers.js';

/**
 * Opens the TCP connection to an HBONE server. The default uses net.connect;
 * ztunnel injects one that creates the socket inside the pod's netns and
 * binds it to the pod's IP.
 */
export type TcpDialer = (
  destination: HboneTarget,
  options: { readonly sourceIp?: string; readonly signal: AbortSignal },
) => Promise<Duplex>;

export const netDialer: TcpDialer = (destination, { sourceIp, signal }) =>
  new Promise<Duplex>((resolve, reject) => {
    const socket: Socket = netConnect({
      host: destination.ip,
      port: destination.port,
      ...(sourceIp ? { localAddress: sourceIp } : {}),
      noDelay: true,
      signal,
    });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });

export interface ConnectionParams {
  readonly destination: HboneTarget;
  readonly expectedIdentities: readonly SpiffeId[];
  readonly sourceIp?: string;
  readonly secureContext: SecureContext;
  readonly settings: HboneSettings;
  readonly timers: Timers;
  readonly dialer: TcpDialer;
  readonly signal?: AbortSignal;
}

export interface OpenConnection {
  readonly session: ClientHttp2Session;
  /** The server's verified identity. */
  readonly peer: SpiffeId;
}

export async function openConnection(p: ConnectionParams): Promise<OpenConnection> {
  const where = p.destination.authority;
  const abort = new AbortController();
  const timeout = p.timers.after(p.settings.connectTimeoutMs, () => {
    abort.abort(new ConnectTimeoutError(where, p.settings.connectTimeoutMs));
  });
  const onCallerAbort = (): void => {
    abort.abort(new AbortedError(`HBONE connect to ${where}`));
  };
  p.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const failure = (err: unknown): HboneError => {
    if (abort.signal.aborted && abort.signal.reason instanceof HboneError)
      return abort.signal.reason;
    return err instanceof HboneError
      ? err
      : new HandshakeError(where, messageOf(err), { cause: err });
  };

  let tcp: Duplex | undefined;
  let tlsSocket: TLSSocket | undefined;
  let session: ClientHttp2Session | undefined;
  try {
    if (p.signal?.aborted) onCallerAbort();
    try {
      tcp = await p.dialer(p.destination, {
        ...(p.sourceIp ? { sourceIp: p.sourceIp } : {}),
        signal: abort.signal,
      });
    } catch (err) {
      if (abort.signal.aborted) throw abort.signal.reason;
      throw new DialError(where, { cause: err });
    }
    const secureTcp = tcp;
    const secured = await withAbort<TLSSocket>(abort.signal, (resolve, reject) => {
      const s = tlsConnect({
        socket: secureTcp,
        secureContext: p.secureContext,
        ALPNProtocols: [HBONE_ALPN],
        // No SNI: the peer is addressed by IP and identified by its SPIFFE SAN.
        servername: '',
        rejectUnauthorized: true,
        // Hostname checks do not apply; verifyServerPeer checks the SPIFFE SAN.
        checkServerIdentity: () => undefined,
      });
      s.once('secureConnect', () => {
        resolve(s);
      });
      s.once('error', reject);
      return () => s.destroy();
    });
    tlsSocket = secured;
    if (secured.alpnProtocol !== HBONE_ALPN) {
      throw new HandshakeError(where, `the server did not negotiate ALPN ${HBONE_ALPN}`);
    }
    const peer = verifyServerPeer(secured, where, p.expectedIdentities);
    session = http2.connect(`https://${where}`, {
      // Native consumption of the TLS socket (fast path): the server side never
      // stops reading (eager-socket.ts), so this connection cannot deadlock.
      createConnection: () => secured,
      maxSessionMemory: p.settings.maxSessionMemoryMiB,
      peerMaxConcurrentStreams: p.settings.poolMaxStreamsPerConnection,
      settings: {
        enablePush: false,
        initialWindowSize: p.settings.streamWindowBytes,
        maxFrameSize: p.settings.maxFrameBytes,
        maxHeaderListSize: p.settings.clientMaxHeaderListBytes,
      },
    });
    const h2 = session;
    h2.on('error', () => undefined); // reported through 'close'
    await withAbort(abort.signal, (resolve, reject) => {
      h2.once('remoteSettings', () => {
        resolve(undefined);
      });
      h2.once('error', reject);
      h2.once('close', () => {
        reject(
          new Error('the server closed the connection during setup (client certificate refused?)'),
        );
      });
      return () => {
        h2.destroy();
      };
    });
    h2.setLocalWindowSize(p.settings.connectionWindowBytes);
    startKeepalive(h2, {
      intervalMs: p.settings.pingIntervalMs,
      timeoutMs: p.settings.pingTimeoutMs,
      timers: p.timers,
    });
    return { session: h2, peer };
  } catch (err) {
    session?.destroy();
    tlsSocket?.destroy();
    tcp?.destroy();
    throw failure(err);
  } finally {
    timeout.cancel();
    p.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** A promise that settles with `run`, or rejects with the signal's reason and runs the cleanup. */
function withAbort<T>(
  signal: AbortSignal,
  run: (resolve: (v: T) => void, reject: (e: Error) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(asError(signal.reason));
      return;
    }
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(asError(signal.reason));
    };
    const cleanup = run(
      (v) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
