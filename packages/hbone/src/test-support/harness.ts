// Wiring for integration tests: real TLS + HTTP/2 on 127.0.0.1 between an
// HBONE server and an HbonePool, with TCP upstreams behind the server.

import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SpiffeId } from '@ambient-ts/spiffe';
import { HbonePool, type ConnectRequest, type HbonePoolOptions } from '../pool.js';
import {
  createHboneServer,
  type AuthorizeHook,
  type DialHook,
  type HboneServer,
  type HboneServerOptions,
  type InboundTunnelRecord,
} from '../server.js';
import type { HboneSettings } from '../settings.js';
import { testMesh, type TestMesh, type TestWorkload } from './pki.js';

let meshPromise: Promise<TestMesh> | undefined;
/** One CA per test file (RSA keygen is slow); every workload is signed by it. */
export function sharedMesh(): Promise<TestMesh> {
  meshPromise ??= testMesh();
  return meshPromise;
}

export interface Upstream {
  readonly port: number;
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

/** A TCP server that runs `handle` for every connection (allowHalfOpen, so FIN is observable). */
export async function tcpUpstream(
  handle: (socket: Socket) => void,
  host = '127.0.0.1',
): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    handle(s);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          r();
        });
      }),
  };
}

/** Echoes everything and half-closes after the client's FIN. */
export const echo = (s: Socket): void => {
  s.pipe(s);
};

export const dialTarget: DialHook = (req) =>
  new Promise<Duplex>((resolve, reject) => {
    const s = connect({
      host: req.target.ip,
      port: req.target.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });

export const allowAll: AuthorizeHook = () => Promise.resolve({ allow: true });

export interface Rig {
  readonly mesh: TestMesh;
  readonly server: HboneServer;
  readonly serverWorkload: TestWorkload;
  readonly clientWorkload: TestWorkload;
  readonly pool: HbonePool;
  readonly address: string;
  readonly records: InboundTunnelRecord[];
  /** A ConnectRequest from the client workload to the server, for `target`. */
  request(target: string, extra?: Partial<ConnectRequest>): ConnectRequest;
  close(): Promise<void>;
}

export interface RigOptions {
  /** Where the HBONE server listens; 127.0.0.1 by default. */
  readonly listenHost?: string;
  readonly authorize?: AuthorizeHook;
  readonly dial?: DialHook;
  readonly serverSettings?: Partial<HboneSettings>;
  readonly pool?: HbonePoolOptions;
  readonly server?: Partial<HboneServerOptions>;
}

export async function rig(opts: RigOptions = {}): Promise<Rig> {
  const mesh = await sharedMesh();
  const [serverWorkload, clientWorkload] = await Promise.all([
    mesh.workload('ns-b', 'server'),
    mesh.workload('ns-a', 'client'),
  ]);
  const records: InboundTunnelRecord[] = [];
  const server = createHboneServer({
    identity: serverWorkload,
    trustBundle: serverWorkload.trustBundle,
    authorize: opts.authorize ?? allowAll,
    dial: opts.dial ?? dialTarget,
    onTunnelClose: (r) => records.push(r),
    ...(opts.serverSettings ? { settings: opts.serverSettings } : {}),
    ...opts.server,
  });
  const host = opts.listenHost ?? '127.0.0.1';
  const addr = await server.start({ port: 0, host });
  const pool = new HbonePool(opts.pool);
  const address = host.includes(':') ? `[${host}]:${addr.port}` : `${host}:${addr.port}`;
  return {
    mesh,
    server,
    serverWorkload,
    clientWorkload,
    pool,
    address,
    records,
    request: (target, extra = {}) => ({
      source: clientWorkload,
      destination: { address, expectedIdentities: [serverWorkload.identity] },
      target,
      ...extra,
    }),
    async close() {
      pool.destroy();
      await server.close();
    },
  };
}

export function expectIdentities(...ids: SpiffeId[]): SpiffeId[] {
  return ids;
}

/** Reads a stream to its end; resolves with the byte count and SHA-256. */
export function drain(stream: Duplex): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    stream.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    stream.once('end', () => {
      resolve({ bytes, sha256: hash.digest('hex') });
    });
    stream.once('error', reject);
  });
}

/** Deterministic pseudo-random payload, generated in 1 MiB blocks. */
export function payloadBlocks(totalBytes: number, seed = 1): Buffer[] {
  const blocks: Buffer[] = [];
  let x = seed >>> 0 || 1;
  for (let left = totalBytes; left > 0;) {
    const n = Math.min(left, 1024 * 1024);
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i + 4 <= n; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b.writeUInt32LE(x >>> 0, i);
    }
    for (let i = n - (n % 4); i < n; i++) b[i] = i & 0xff;
    blocks.push(b);
    left -= n;
  }
  return blocks;
}

export function sha256Of(blocks: Buffer[]): string {
  const h = createHash('sha256');
  for (const b of blocks) h.update(b);
  return h.digest('hex');
}

/** Writes blocks honouring backpressure, then ends the stream. */
export async function writeAll(stream: Duplex, blocks: Buffer[]): Promise<void> {
  for (const b of blocks) {
    if (!stream.write(b)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          stream.off('close', onClose);
          resolve();
        };
        const onClose = (): void => {
          stream.off('drain', onDrain);
          reject(new Error('stream closed while writing'));
        };
        stream.once('drain', onDrain);
        stream.once('close', onClose);
      });
    }
  }
  await new Promise<void>((resolve) => stream.end(resolve));
}
