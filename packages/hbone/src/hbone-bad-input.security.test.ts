// reliability.md §6 rows 1-4 (bad input on the HBONE port), against the real
// HBONE server on 127.0.0.1 with real TLS 1.3 and HTTP/2: forged peer SVIDs,
// a peer of another trust domain or CA, malformed and non-CONNECT requests,
// plaintext, and TLS without a client certificate. Each test checks what the
// server did (status, RST_STREAM code, closed connection, no dial, no
// authorization call) and records it. The request and peer cases moved here
// from server.test.ts.

import http2, { constants } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { recordAttack } from '@ambient-ts/security-table';
import { istioIdentity, parseSpiffeId, TrustBundle } from '@ambient-ts/spiffe';
import { forgeCa, forgeLeaf, KU, type Forged } from '@ambient-ts/spiffe/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { HandshakeError, HboneError } from './errors.js';
import { createHboneServer } from './server.js';
import { testMesh } from './test-support/pki.js';
import { dialTarget, echo, tcpUpstream, type Rig } from './test-support/harness.js';
import { echoOnce, rigPerTest } from './test-support/rig-per-test.js';
import { INDEXED_STATUS_200, RawH2 } from './test-support/raw-h2.js';

const SVID = '§6.1 bad SVID';
const LONG_PREFIX = 'spiffe://cluster.local/ns/ns-a/sa/';
/** One byte over the 2048 bytes every SPIFFE implementation must accept. */
const LONG_ID = LONG_PREFIX + 'a'.repeat(2049 - LONG_PREFIX.length);
const TRUST_DOMAIN = '§6.2 trust domain';
const HBONE = '§6.3 bad HBONE request';
const PLAINTEXT = '§6.4 plaintext / no client cert';

const { cleanups, setup } = rigPerTest();

/** A node:http2 client session presenting the rig's client certificate. */
async function rawSession(rig: Rig): Promise<http2.ClientHttp2Session> {
  const c = rig.clientWorkload;
  const session = http2.connect(`https://${rig.address}`, {
    cert: c.certChainPem.join('\n'),
    key: c.keyPem,
    ca: [...c.trustBundle.pems],
    checkServerIdentity: () => undefined,
  });
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => {
      resolve();
    });
    session.once('error', reject);
  });
  cleanups.push(() => {
    session.destroy();
  });
  return session;
}

function answer(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
): Promise<{ status?: number; rstCode?: number }> {
  return new Promise((resolve) => {
    const req = session.request(headers, { endStream: false });
    req.on('error', () => undefined);
    req.once('response', (h) => {
      resolve({ status: Number(h[':status']) });
      req.close();
    });
    req.once('close', () => {
      resolve({ rstCode: req.rstCode });
    });
  });
}

function closedWithoutReply(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      resolve(Buffer.concat(chunks));
    });
  });
}

const H2_ERRORS: Record<number, string> = {
  [constants.NGHTTP2_PROTOCOL_ERROR]: 'PROTOCOL_ERROR',
  [constants.NGHTTP2_REFUSED_STREAM]: 'REFUSED_STREAM',
};
function describeOutcome(o: unknown): string {
  const v = o as { kind?: string; code?: number; firstByte?: number };
  if (v.kind === 'rst') return `RST_STREAM ${H2_ERRORS[v.code ?? -1] ?? String(v.code)}`;
  if (v.kind === 'headers') return v.firstByte === INDEXED_STATUS_200 ? '200' : 'headers';
  return JSON.stringify(o);
}

describe('HBONE server: forged peer SVIDs (§6 row 1)', () => {
  const reviews = 'spiffe://cluster.local/ns/ns-a/sa/client';
  let root: Forged;
  let port = 0;
  let dialled = 0;
  let authorized = 0;
  let stop: () => Promise<void>;
  let target = '';

  beforeAll(async () => {
    root = await forgeCa('CN=forged-root');
    const upstream = await tcpUpstream(echo);
    target = `127.0.0.1:${upstream.port}`;
    const serverLeaf = await forgeLeaf(root, istioIdentity('cluster.local', 'ns-b', 'server').uri);
    const server = createHboneServer({
      identity: { certChainPem: [serverLeaf.pem], keyPem: serverLeaf.key.privateKeyPem },
      trustBundle: new TrustBundle([root.pem], 'cluster.local'),
      authorize: () => {
        authorized++;
        return Promise.resolve({ allow: true });
      },
      dial: (t, s) => {
        dialled++;
        return dialTarget(t, s);
      },
    });
    port = (await server.start({ port: 0, host: '127.0.0.1' })).port;
    stop = async () => {
      await server.close();
      await upstream.close();
    };
    // A well-formed leaf gets through: the server and the forge agree on the rest.
    await expect(connectWith(await forgeLeaf(root, reviews))).resolves.toBe('200');
    dialled = 0;
    authorized = 0;
    return () => stop();
  }, 60_000);

  /** mTLS + h2 with `leaf`, then one CONNECT; what the client saw. */
  function connectWith(leaf: Forged): Promise<string> {
    return new Promise((resolve) => {
      const session = http2.connect(`https://127.0.0.1:${port}`, {
        cert: leaf.pem,
        key: leaf.key.privateKeyPem,
        ca: [root.pem],
        checkServerIdentity: () => undefined,
      });
      const done = (what: string): void => {
        session.destroy();
        resolve(what);
      };
      session.on('error', (e: Error) => {
        done(`connection failed: ${e.message.slice(0, 60)}`);
      });
      session.on('close', () => {
        done('connection closed');
      });
      const req = session.request({ ':method': 'CONNECT', ':authority': target });
      req.on('error', () => undefined);
      req.once('response', (h) => {
        done(String(h[':status']));
      });
    });
  }

  const cases: [string, () => Promise<Forged>][] = [
    [
      'two URI SANs',
      () => forgeLeaf(root, reviews, { uriSans: [reviews, 'spiffe://cluster.local/ns/x/sa/y'] }),
    ],
    [
      'no URI SAN',
      () =>
        forgeLeaf(root, reviews, { uriSans: [], dnsSans: ['client.ns-a'], subject: 'CN=client' }),
    ],
    ['a leaf with cA=true', () => forgeLeaf(root, reviews, { ca: true })],
    [
      'a leaf with keyCertSign',
      () => forgeLeaf(root, reviews, { keyUsage: KU.digitalSignature | KU.keyCertSign }),
    ],
    ['the trust domain’s own ID (root path)', () => forgeLeaf(root, 'spiffe://cluster.local')],
    [
      'a NUL byte inside the SAN',
      () => forgeLeaf(root, 'spiffe://cluster.local/ns/ns-a/sa/client\u0000.evil'),
    ],
    [
      'an upper-case trust domain',
      () => forgeLeaf(root, 'spiffe://Cluster.Local/ns/ns-a/sa/client'),
    ],
    ['a .. segment', () => forgeLeaf(root, 'spiffe://cluster.local/ns/../sa/client')],
    ['a trailing /', () => forgeLeaf(root, 'spiffe://cluster.local/ns/ns-a/sa/client/')],
    ['an ID of 2049 bytes', () => forgeLeaf(root, LONG_ID)],
  ];

  it.each(cases)('refuses %s before any tunnel: no authorization, no dial', async (name, make) => {
    const leaf = await make();
    const uri = leaf.node.subjectAltName ?? '(none)';
    const outcome = await connectWith(leaf);
    expect(outcome).not.toBe('200');
    expect([authorized, dialled]).toEqual([0, 0]);
    recordAttack({
      finding: SVID,
      attack: name,
      sent: `client leaf under the trusted root, SAN ${uri.slice(0, 70)}${uri.length > 70 ? '…' : ''}`,
      happened: `${outcome}; authorize calls ${authorized}, upstream dials ${dialled}`,
    });
  });

  it('the 2049-byte ID really is over the SPIFFE limit', () => {
    expect(() => parseSpiffeId(LONG_ID)).toThrow(/2049 bytes/);
  });
});

describe('HBONE server: malformed requests', () => {
  it.each<[string, http2.OutgoingHttpHeaders]>([
    ['GET', { ':method': 'GET', ':path': '/' }],
    ['POST', { ':method': 'POST', ':path': '/x' }],
    ['authority foo', { ':method': 'CONNECT', ':authority': 'foo' }],
    ['authority without port', { ':method': 'CONNECT', ':authority': '1.2.3.4' }],
    ['port out of range', { ':method': 'CONNECT', ':authority': '1.2.3.4:99999' }],
    ['unclosed IPv6 bracket', { ':method': 'CONNECT', ':authority': '[::1' }],
    ['hostname authority', { ':method': 'CONNECT', ':authority': 'reviews.default.svc:9080' }],
    ['zone id', { ':method': 'CONNECT', ':authority': '[fe80::1%eth0]:80' }],
  ])('answers 400 to %s, without dialling', async (name, headers) => {
    let dialled = 0;
    const { r } = await setup({
      dial: (t, s) => {
        dialled++;
        return dialTarget(t, s);
      },
    });
    const session = await rawSession(r);
    const got = await answer(session, headers);
    expect(got).toEqual({ status: 400 });
    expect(dialled).toBe(0);
    recordAttack({
      finding: HBONE,
      attack: `non-CONNECT or bad authority: ${name}`,
      sent: JSON.stringify(headers),
      happened: `status ${got.status}, upstream dials ${dialled}`,
    });
  });

  it.each<[string, [string, string][]]>([
    [
      'CONNECT with :path',
      [
        [':method', 'CONNECT'],
        [':authority', '127.0.0.1:1'],
        [':path', '/'],
      ],
    ],
    [
      'CONNECT with :scheme',
      [
        [':method', 'CONNECT'],
        [':authority', '127.0.0.1:1'],
        [':scheme', 'https'],
      ],
    ],
    [
      'CONNECT with :protocol',
      [
        [':method', 'CONNECT'],
        [':authority', '127.0.0.1:1'],
        [':protocol', 'ws'],
      ],
    ],
    ['CONNECT without :authority', [[':method', 'CONNECT']]],
    [
      'a Transfer-Encoding header',
      [
        [':method', 'CONNECT'],
        [':authority', '127.0.0.1:1'],
        ['transfer-encoding', 'chunked'],
      ],
    ],
    [
      'an upper-case header name',
      [
        [':method', 'CONNECT'],
        [':authority', '127.0.0.1:1'],
        ['Baggage', 'a=b'],
      ],
    ],
    [
      'a connection-specific header',
      [
        [':method', 'CONNECT'],
        [':authority', '127.0.0.1:1'],
        ['connection', 'close'],
      ],
    ],
    [
      'a pseudo-header after a regular one',
      [
        [':method', 'CONNECT'],
        ['baggage', 'a=b'],
        [':authority', '127.0.0.1:1'],
      ],
    ],
    [
      'a duplicated pseudo-header',
      [
        [':method', 'CONNECT'],
        [':authority', '127.0.0.1:1'],
        [':authority', '127.0.0.1:2'],
      ],
    ],
  ])('resets %s with PROTOCOL_ERROR and keeps the connection serving', async (name, fields) => {
    const { r, target } = await setup();
    const raw = await RawH2.open(Number(r.address.split(':')[1]), r.clientWorkload);
    cleanups.push(() => {
      raw.close();
    });
    raw.headers(1, fields);
    const bad = await raw.outcome(1);
    expect(bad).toEqual({ kind: 'rst', code: constants.NGHTTP2_PROTOCOL_ERROR });
    raw.headers(3, [
      [':method', 'CONNECT'],
      [':authority', target],
    ]);
    const next = await raw.outcome(3);
    expect(next).toEqual({ kind: 'headers', firstByte: INDEXED_STATUS_200 });
    recordAttack({
      finding: HBONE,
      attack: `malformed CONNECT: ${name}`,
      sent: fields.map(([k, v]) => `${k}: ${v}`).join(', '),
      happened: `${describeOutcome(bad)}; next CONNECT on the connection: ${describeOutcome(next)}`,
    });
  });
});

describe('HBONE server: who may connect', () => {
  it('refuses a plaintext client and keeps serving', async () => {
    const { r, target } = await setup();
    const [host, port] = r.address.split(':');
    const s = netConnect({ host, port: Number(port) });
    s.write('CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n');
    const reply = await closedWithoutReply(s);
    expect(reply.toString('latin1')).not.toMatch(/^HTTP\//);
    expect(await echoOnce(await r.pool.connect(r.request(target)), 'ok')).toBe(2);
    recordAttack({
      finding: PLAINTEXT,
      attack: 'plain TCP to the HBONE port',
      sent: 'CONNECT 127.0.0.1:80 HTTP/1.1 without TLS',
      happened: `closed after ${reply.length} bytes (no HTTP reply); mTLS clients still served`,
    });
  });

  it('refuses an HTTP/1.1 client over TLS', async () => {
    const { r } = await setup();
    const c = r.clientWorkload;
    const s = tlsConnect({
      host: '127.0.0.1',
      port: Number(r.address.split(':')[1]),
      ALPNProtocols: ['http/1.1'],
      cert: c.certChainPem.join('\n'),
      key: c.keyPem,
      ca: [...c.trustBundle.pems],
      checkServerIdentity: () => undefined,
    });
    s.once('secureConnect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const reply = await closedWithoutReply(s);
    expect(reply.toString('latin1')).not.toMatch(/^HTTP\//);
    recordAttack({
      finding: HBONE,
      attack: 'HTTP/1.1 over mTLS instead of h2',
      sent: 'ALPN http/1.1, GET / HTTP/1.1',
      happened: `closed after ${reply.length} bytes (no HTTP reply)`,
    });
  });

  it('refuses a client that presents no certificate, before any HTTP/2 frame', async () => {
    const { r } = await setup();
    const s = tlsConnect({
      host: '127.0.0.1',
      port: Number(r.address.split(':')[1]),
      ALPNProtocols: ['h2'],
      ca: [...r.clientWorkload.trustBundle.pems],
      checkServerIdentity: () => undefined,
    });
    let error: Error | undefined;
    s.on('error', (e: Error) => {
      error = e;
    });
    s.once('secureConnect', () => s.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    const reply = await closedWithoutReply(s);
    expect(reply.length).toBe(0);
    expect(error?.message).toMatch(/certificate required|alert/i);
    recordAttack({
      finding: PLAINTEXT,
      attack: 'TLS without a client certificate',
      sent: 'TLS 1.3, ALPN h2, no certificate, then the h2 preface',
      happened: `closed, ${reply.length} bytes; client saw "${error?.message ?? 'no error'}"`,
    });
  });

  it('refuses TLS 1.2', async () => {
    const { r } = await setup();
    const c = r.clientWorkload;
    const s = tlsConnect({
      host: '127.0.0.1',
      port: Number(r.address.split(':')[1]),
      maxVersion: 'TLSv1.2',
      ALPNProtocols: ['h2'],
      cert: c.certChainPem.join('\n'),
      key: c.keyPem,
      ca: [...c.trustBundle.pems],
      checkServerIdentity: () => undefined,
    });
    let error: Error | undefined;
    s.on('error', (e: Error) => {
      error = e;
    });
    await closedWithoutReply(s);
    expect(error?.message).toMatch(/version|alert/i);
    recordAttack({
      finding: PLAINTEXT,
      attack: 'TLS 1.2 client',
      sent: 'maxVersion TLSv1.2 with a valid mesh certificate',
      happened: `handshake failed: "${error?.message ?? 'no error'}"`,
    });
  });

  it('refuses a client of another trust domain even when its certificate chains to our root', async () => {
    let authorized = 0;
    const { r, target } = await setup({
      authorize: () => {
        authorized++;
        return Promise.resolve({ allow: true });
      },
    });
    const foreign = await r.mesh.workload('ns-a', 'client', 'other.domain');
    const err = await r.pool
      .connect({ ...r.request(target), source: foreign })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HboneError);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(authorized).toBe(0);
    expect(r.server.activeTunnels).toBe(0);
    recordAttack({
      finding: TRUST_DOMAIN,
      attack: 'client certificate of another trust domain under our root',
      sent: 'spiffe://other.domain/ns/ns-a/sa/client, signed by the mesh CA',
      happened: `${(err as Error).name}; authorize calls ${authorized}, tunnels ${r.server.activeTunnels}`,
    });
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    const { r, target } = await setup();
    const otherMesh = await testMesh();
    const stranger = await otherMesh.workload('ns-a', 'client');
    // The stranger trusts our server's root, so only the server's check can stop it.
    const err = await r.pool
      .connect({
        ...r.request(target),
        source: { ...stranger, trustBundle: [...r.clientWorkload.trustBundle.pems] },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    recordAttack({
      finding: TRUST_DOMAIN,
      attack: 'client certificate from another CA',
      sent: 'spiffe://cluster.local/ns/ns-a/sa/client signed by a foreign root',
      happened: `${(err as Error).name}: ${(err as Error).message.slice(0, 80)}`,
    });
  });
});
