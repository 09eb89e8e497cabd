// CA signing rate: CreateCertificate calls per second, end to end over gRPC
// with TLS on loopback (istiod's serving certificate), each an ECDSA P-256
// CSR as ztunnel sends it. The TokenReview is answered in process (a real
// API server would add its own latency per call; upstream caches nothing
// either), so this measures istiod's side: auth checks, CSR verification,
// signing and the response.

import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { credentials, Metadata, Server, ServerCredentials } from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import { create } from '@bufbuild/protobuf';
import {
  CertificateAuthority,
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  parseTrustDomain,
} from '@ambient-ts/spiffe';
import {
  ca as caProto,
  IstioCertificateServiceClient,
  istioCertificateServiceDefinition,
} from '@ambient-ts/xds-types';
import { CaServer } from '../src/ca/ca-server.js';
import { issueServingCertificate } from '../src/ca/serving-cert.js';
import { silentLogger } from '../src/runtime/logger.js';

export interface CaSigningOptions {
  readonly requests: number;
  readonly concurrency: number;
  /** `rsa`: the self-signed RSA-2048 root istiod makes; `ec`: an EC P-256 plug-in CA. */
  readonly caKey: 'rsa' | 'ec';
}

export interface CaSigningResult {
  readonly options: CaSigningOptions;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function ecPluginCa(): Promise<CertificateAuthority> {
  // An EC root signed by itself, loaded as a plug-in CA (cacerts). serving-cert.ts set up x509.
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'O=cluster.local',
    notBefore: now,
    notAfter: new Date(now.getTime() + 365 * 86_400_000),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString(
    'base64',
  );
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END PRIVATE KEY-----\n`;
  const certPem = cert.toString('pem');
  return CertificateAuthority.fromPlugin({
    caCertPem: certPem,
    caKeyPem: keyPem,
    rootCertPem: certPem,
  });
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
  );
}

export async function measureCaSigning(options: CaSigningOptions): Promise<CaSigningResult> {
  const authority =
    options.caKey === 'rsa' ? await CertificateAuthority.selfSigned({}) : await ecPluginCa();
  const serving = await issueServingCertificate(
    authority.exportSecretData(),
    ['istiod.istio-system.svc'],
    86_400,
  );
  const caServer = new CaServer({
    signer: () => authority,
    tokenReview: () =>
      Promise.resolve({
        authenticated: true,
        audiences: ['istio-ca'],
        user: {
          username: 'system:serviceaccount:default:sleep',
          groups: ['system:serviceaccounts'],
        },
      }),
    audiences: ['istio-ca'],
    trustDomain: 'cluster.local',
    nodeAuthorizer: undefined,
    logger: silentLogger,
  });
  const server = new Server();
  server.addService(istioCertificateServiceDefinition, caServer.handlers());
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      '127.0.0.1:0',
      ServerCredentials.createSsl(null, [
        {
          private_key: Buffer.from(serving.privateKeyPem),
          cert_chain: Buffer.from(serving.certChainPem),
        },
      ]),
      (e, p) => {
        if (e) reject(e);
        else resolve(p);
      },
    );
  });
  const client = new IstioCertificateServiceClient(
    `127.0.0.1:${port}`,
    credentials.createSsl(Buffer.from(authority.rootCertPem)),
    {
      'grpc.ssl_target_name_override': 'istiod.istio-system.svc',
      'grpc.default_authority': 'istiod.istio-system.svc',
    },
  );
  // CSRs made up front: ztunnel's key generation is not istiod's cost.
  const id = istioIdentity(parseTrustDomain('cluster.local'), 'default', 'sleep');
  const csrs = await Promise.all(
    Array.from({ length: Math.min(options.requests, 64) }, async () =>
      createCsr(id, await generateWorkloadKey()),
    ),
  );
  const md = new Metadata();
  md.set('authorization', 'Bearer bench-token');
  const call = (i: number) =>
    client.createCertificate(
      create(caProto.IstioCertificateRequestSchema, {
        csr: csrs[i % csrs.length] ?? '',
        validityDuration: 86_400n,
      }),
      md,
    );
  for (let i = 0; i < 20; i += 1) await call(i); // warm up JIT, TLS session, key import
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= options.requests) return;
        const t = performance.now();
        await call(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  client.close();
  server.forceShutdown();
  return {
    options,
    perSecond: options.requests / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}
