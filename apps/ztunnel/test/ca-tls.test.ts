// The CA client over TLS as it reaches istiod in a cluster: https, istiod's
// root from a file (CA_ROOT_CA), the verified name overridden
// (ALT_CA_HOSTNAME), the node token and ImpersonatedIdentity checked by a
// real CreateCertificate server backed by the real signing core.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import {
  CertificateManager,
  channelCredentials,
  grpcCertificateSource,
  tokenSource,
} from '@ambient-ts/istiod-client';
import { CertificateAuthority, parseIstioIdentity } from '@ambient-ts/spiffe';
import {
  ca as caProto,
  IstioCertificateServiceClient,
  istioCertificateServiceDefinition,
  type IstioCertificateServiceHandlers,
} from '@ambient-ts/xds-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!openssl)(
  `the CA client over TLS${openssl ? '' : ' (skipped: openssl is not installed)'}`,
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ztunnel-ca-tls-'));
    const keyFile = path.join(dir, 'istiod.key');
    const certFile = path.join(dir, 'istiod.pem');
    const tokenFile = path.join(dir, 'token');
    let server: Server;
    let port: number;
    const seen: { token: string | undefined; clusterId: string | undefined; identity: unknown }[] =
      [];

    beforeAll(async () => {
      // istiod's serving certificate: self-signed, valid for istiod.istio-system.svc only.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          keyFile,
          '-out',
          certFile,
          '-days',
          '1',
          '-subj',
          '/O=test-istiod',
          '-addext',
          'subjectAltName=DNS:istiod.istio-system.svc',
        ],
        { stdio: 'ignore' },
      );
      writeFileSync(tokenFile, 'projected-token\n');
      const ca = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
      const handlers: IstioCertificateServiceHandlers = {
        CreateCertificate: (call, cb) => {
          const identity = call.request.metadata?.ImpersonatedIdentity;
          seen.push({
            token: call.metadata.get('authorization')[0]?.toString(),
            clusterId: call.metadata.get('clusterid')[0]?.toString(),
            identity,
          });
          const id = parseIstioIdentity(typeof identity === 'string' ? identity : '');
          ca.sign(call.request.csr, { identity: id }).then(
            (chain) => {
              cb(null, create(caProto.IstioCertificateResponseSchema, { certChain: chain }));
            },
            (e: unknown) => {
              cb(e as Error);
            },
          );
        },
      };
      server = new Server();
      server.addService(istioCertificateServiceDefinition, handlers);
      port = await new Promise<number>((resolve, reject) => {
        server.bindAsync(
          '127.0.0.1:0',
          ServerCredentials.createSsl(null, [
            { private_key: readFileSync(keyFile), cert_chain: readFileSync(certFile) },
          ]),
          (err, p) => {
            if (err) reject(err);
            else resolve(p);
          },
        );
      });
    });
    afterAll(() => {
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    });

    it('gets a certificate for the impersonated identity, verifying istiod by the overridden name', async () => {
      const config = loadConfig({
        NODE_NAME: 'node1',
        CA_ADDRESS: `127.0.0.1:${port}`,
        CA_ROOT_CA: certFile,
        ALT_CA_HOSTNAME: 'istiod.istio-system.svc',
        AUTH_TOKEN: tokenFile,
        ISTIO_META_CLUSTER_ID: 'cluster-7',
      });
      expect(config.ca.tls).toBe(true);
      const { creds, options } = channelCredentials(config.ca);
      const client = new IstioCertificateServiceClient(config.ca.target, creds, options);
      const certs = new CertificateManager(
        grpcCertificateSource({
          client,
          token: tokenSource(config.authToken),
          clusterId: config.clusterId,
          ttlSeconds: config.secretTtlSeconds,
          impersonate: true,
        }),
        { info: () => undefined, warn: () => undefined },
      );
      try {
        const cert = await certs.get('spiffe://cluster.local/ns/shop/sa/cart');
        expect(cert.identity.uri).toBe('spiffe://cluster.local/ns/shop/sa/cart');
        expect(seen.at(-1)).toEqual({
          token: 'Bearer projected-token',
          clusterId: 'cluster-7',
          identity: 'spiffe://cluster.local/ns/shop/sa/cart',
        });
      } finally {
        certs.close();
        client.close();
      }
    });

    it('says which root is missing instead of failing on connect', () => {
      const endpoint = loadConfig({
        NODE_NAME: 'n',
        CA_ADDRESS: 'istiod:15012',
        CA_ROOT_CA: path.join(dir, 'nope.pem'),
      }).ca;
      expect(() => channelCredentials(endpoint)).toThrow(
        /nope\.pem to verify istiod:15012 does not exist/,
      );
    });

    it('refuses istiod when the name it proves is not the one we expect', async () => {
      const endpoint = loadConfig({
        NODE_NAME: 'node1',
        CA_ADDRESS: `https://127.0.0.1:${port}`,
        CA_ROOT_CA: readFileSync(certFile, 'utf8'),
        ALT_CA_HOSTNAME: 'impostor.example',
      }).ca;
      const { creds, options } = channelCredentials(endpoint);
      const client = new IstioCertificateServiceClient(endpoint.target, creds, options);
      const source = grpcCertificateSource({
        client,
        token: () => Promise.resolve('t'),
        clusterId: 'Kubernetes',
        ttlSeconds: 3600,
        timeoutMs: 3000,
        impersonate: true,
      });
      try {
        await expect(
          source.fetch(parseIstioIdentity('spiffe://cluster.local/ns/shop/sa/cart')),
        ).rejects.toThrow(
          /CreateCertificate for spiffe:\/\/cluster.local\/ns\/shop\/sa\/cart failed/,
        );
      } finally {
        client.close();
      }
    });
  },
);
