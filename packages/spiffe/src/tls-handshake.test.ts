// A real Node TLS 1.3 mTLS handshake on loopback with leaves from our CA, and
// the SPIFFE check on both ends, as the HBONE server and client will do it.
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from './certificate-authority.js';
import { createCsr } from './csr.js';
import { generateWorkloadKey } from './keys.js';
import { istioIdentity, type SpiffeId } from './spiffe-id.js';
import { SvidError } from './svid-error.js';
import { forgeCa } from './testing/forge.js';
import { verifyPeerSvid } from './verify-peer.js';

const serverId = istioIdentity('cluster.local', 'bookinfo', 'reviews');
const clientId = istioIdentity('cluster.local', 'bookinfo', 'productpage');

async function credentials(
  ca: CertificateAuthority,
  id: SpiffeId,
): Promise<{ key: string; cert: string }> {
  const key = await generateWorkloadKey();
  const chain = await ca.sign(await createCsr(id, key), { identity: id });
  // Serve leaf + intermediates; the root stays in the peer's trust bundle.
  return { key: key.privateKeyPem, cert: chain.slice(0, -1).join('') };
}

describe('mTLS handshake with SVIDs from the CA', () => {
  let server: tls.Server;
  let port: number;
  let ca: CertificateAuthority;
  const seenByServer: (SpiffeId | SvidError)[] = [];
  const clientErrors: string[] = [];

  beforeAll(async () => {
    // An intermediate in the chain, to exercise chain sending too.
    const root = await forgeCa('CN=tls root', { keyType: 'rsa' });
    const inter = await forgeCa('CN=tls intermediate', { issuer: root });
    ca = await CertificateAuthority.fromPlugin({
      caCertPem: inter.pem,
      caKeyPem: inter.key.privateKeyPem,
      certChainPem: inter.pem,
      rootCertPem: root.pem,
    });
    const creds = await credentials(ca, serverId);
    server = tls.createServer({
      ...creds,
      ca: [...ca.trustBundle.pems],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
    });
    server.on('tlsClientError', (err) => {
      clientErrors.push(err.message);
    });
    server.on('secureConnection', (socket) => {
      try {
        seenByServer.push(
          verifyPeerSvid(socket.getPeerX509Certificate()!, { trustDomain: 'cluster.local' }),
        );
      } catch (err) {
        seenByServer.push(err as SvidError);
      }
      socket.end('ok');
    });
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve);
    });
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  it('authenticates both sides and each side reads the other identity', async () => {
    const creds = await credentials(ca, clientId);
    const { peer, data } = await new Promise<{ peer: SpiffeId; data: string }>(
      (resolve, reject) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port,
          ...creds,
          ca: [...ca.trustBundle.pems],
          minVersion: 'TLSv1.3',
          // SVIDs carry no DNS name; identity is checked by SPIFFE ID below.
          checkServerIdentity: () => undefined,
        });
        let data = '';
        let peer: SpiffeId | undefined;
        socket.on('secureConnect', () => {
          try {
            peer = verifyPeerSvid(socket.getPeerX509Certificate()!, {
              trustDomain: 'cluster.local',
              expected: [serverId],
            });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        socket.on('data', (d: Buffer) => {
          data += d.toString();
        });
        socket.on('end', () => {
          if (peer) resolve({ peer, data });
          else reject(new Error('no peer'));
        });
        socket.on('error', reject);
      },
    );
    expect(data).toBe('ok');
    expect(peer.uri).toBe(serverId.uri);
    const last = seenByServer[seenByServer.length - 1];
    expect(last).not.toBeInstanceOf(SvidError);
    expect((last as SpiffeId).uri).toBe(clientId.uri);
  });

  it('fails the handshake for a client whose leaf comes from a foreign CA', async () => {
    const foreign = await CertificateAuthority.selfSigned();
    const creds = await credentials(foreign, clientId);
    const before = seenByServer.length;
    const outcome = await new Promise<string>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        ...creds,
        ca: [...ca.trustBundle.pems],
        minVersion: 'TLSv1.3',
        checkServerIdentity: () => undefined,
      });
      socket.on('data', () => {
        resolve('data');
      });
      socket.on('error', (err: Error) => {
        resolve(`error: ${err.message}`);
      });
      socket.on('end', () => {
        resolve('end');
      });
    });
    // TLS 1.3: the client finishes its side first; Node's server then destroys
    // the socket without an alert, so the client sees EOF (or a reset), never data.
    expect(outcome).not.toBe('data');
    expect(seenByServer.length).toBe(before);
    expect(clientErrors.length).toBeGreaterThan(0);
  });
});
