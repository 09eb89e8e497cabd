import { create } from '@bufbuild/protobuf';
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  IstioCertificateRequestSchema,
  type IstioCertificateRequest,
} from '../gen/istio/v1/auth/ca_pb.js';
import {
  IstioCertificateServiceClient,
  istioCertificateServiceDefinition,
  type IstioCertificateServiceHandlers,
} from './ca-service.js';

// A test CA behind the generated service definition: it checks what ztunnel
// sends (bearer token, impersonated identity, TTL) and answers a chain.

const identity = 'spiffe://cluster.local/ns/default/sa/sleep';

let server: Server | undefined;
let client: IstioCertificateServiceClient | undefined;
afterEach(() => {
  client?.close();
  server?.forceShutdown();
});

async function startCa(): Promise<{ port: number; seen: IstioCertificateRequest[] }> {
  const seen: IstioCertificateRequest[] = [];
  const handlers: IstioCertificateServiceHandlers = {
    CreateCertificate: (call, callback) => {
      seen.push(call.request);
      if (call.metadata.get('authorization')[0] !== 'Bearer token-1') {
        callback({ code: status.UNAUTHENTICATED, details: 'missing or bad bearer token' });
        return;
      }
      const impersonated = call.request.metadata?.['ImpersonatedIdentity'];
      callback(null, {
        $typeName: 'istio.v1.auth.IstioCertificateResponse',
        certChain: [
          `LEAF for ${typeof impersonated === 'string' ? impersonated : '(self)'}`,
          'INTERMEDIATE',
          'ROOT',
        ],
      });
    },
  };
  server = new Server();
  server.addService(istioCertificateServiceDefinition, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server!.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
  return { port, seen };
}

describe('IstioCertificateService over gRPC', () => {
  it('uses the upstream method path', () => {
    expect(istioCertificateServiceDefinition.CreateCertificate.path).toBe(
      '/istio.v1.auth.IstioCertificateService/CreateCertificate',
    );
    expect(istioCertificateServiceDefinition.CreateCertificate.requestStream).toBe(false);
    expect(istioCertificateServiceDefinition.CreateCertificate.responseStream).toBe(false);
  });

  it('round-trips a CSR with impersonation metadata to a leaf-first chain', async () => {
    const { port, seen } = await startCa();
    client = new IstioCertificateServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer token-1');
    const response = await client.createCertificate(
      create(IstioCertificateRequestSchema, {
        csr: '-----BEGIN CERTIFICATE REQUEST-----\n...',
        validityDuration: 86_400n,
        metadata: { ImpersonatedIdentity: identity },
      }),
      metadata,
    );
    expect(response.certChain).toEqual([`LEAF for ${identity}`, 'INTERMEDIATE', 'ROOT']);
    expect(seen[0]?.validityDuration).toBe(86_400n);
    expect(seen[0]?.csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(seen[0]?.metadata).toEqual({ ImpersonatedIdentity: identity });
  });

  it('rejects with the CA status code and details', async () => {
    const { port } = await startCa();
    client = new IstioCertificateServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const error = (await client
      .createCertificate(create(IstioCertificateRequestSchema, { csr: 'x' }))
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as ServiceError;
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(error.details).toBe('missing or bad bearer token');
  });
});
