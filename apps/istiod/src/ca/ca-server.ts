// istio.v1.auth.IstioCertificateService/CreateCertificate: authenticate the
// caller (TokenReview), authorize any impersonation (node authorizer), sign
// the CSR, answer the chain leaf first, root last, one certificate per entry.
// Codes and messages are upstream's (security/pkg/server/ca/server.go).

import { status, type Metadata, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { CaError, parseSpiffeId, splitPemCertificates, type SpiffeId } from '@ambient-ts/spiffe';
import { ca as caProto, type IstioCertificateServiceHandlers } from '@ambient-ts/xds-types';
import { errorMessage, type Logger } from '../runtime/logger.js';
import { authenticateBearer, type Caller, type TokenReviewer } from './authenticate.js';
import type { NodeAuthorizer } from './node-authorizer.js';

export const IMPERSONATED_IDENTITY = 'ImpersonatedIdentity';
export const AUTHN_FAILURE = 'request authenticate failure';
export const IMPERSONATION_FAILURE = 'request impersonation authentication failure';

/** Signs a CSR for an identity; CertificateAuthority from @ambient-ts/spiffe. */
export interface CsrSigner {
  sign(csrPem: string, opts: { identity: SpiffeId; ttlSeconds?: number }): Promise<string[]>;
}

export interface CaMetrics {
  csr(): void;
  authnError(): void;
  signError(type: 'CA_NOT_READY' | 'CSR_ERROR' | 'TTL_ERROR' | 'CERT_GEN_ERROR' | 'UNKNOWN'): void;
  success(): void;
}

export interface CaServerOptions {
  /** The current signer (swapped when the CA material rotates). */
  readonly signer: () => CsrSigner | undefined;
  readonly tokenReview: TokenReviewer;
  readonly audiences: readonly string[];
  readonly trustDomain: string;
  /** Undefined when CA_TRUSTED_NODE_ACCOUNTS is empty: impersonation is then always refused. */
  readonly nodeAuthorizer: NodeAuthorizer | undefined;
  readonly logger: Logger;
  readonly metrics?: CaMetrics;
}

/** A gRPC status to answer with. */
export class CaServiceError extends Error {
  override readonly name = 'CaServiceError';
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(details);
  }
}

const noMetrics: CaMetrics = {
  csr: () => undefined,
  authnError: () => undefined,
  signError: () => undefined,
  success: () => undefined,
};

export class CaServer {
  private readonly metrics: CaMetrics;

  constructor(private readonly options: CaServerOptions) {
    this.metrics = options.metrics ?? noMetrics;
  }

  /** grpc-js handlers for `server.addService(istioCertificateServiceDefinition, …)`. */
  handlers(): IstioCertificateServiceHandlers {
    return {
      CreateCertificate: (
        call: ServerUnaryCall<caProto.IstioCertificateRequest, caProto.IstioCertificateResponse>,
        callback: sendUnaryData<caProto.IstioCertificateResponse>,
      ) => {
        this.createCertificate(call.request, call.metadata, call.getPeer()).then(
          (response) => {
            callback(null, response);
          },
          (error: unknown) => {
            if (error instanceof CaServiceError) {
              callback({ code: error.code, details: error.details });
            } else {
              this.options.logger.error(
                { error: errorMessage(error) },
                'CreateCertificate failed unexpectedly',
              );
              callback({ code: status.INTERNAL, details: 'internal error' });
            }
          },
        );
      },
    };
  }

  async createCertificate(
    request: caProto.IstioCertificateRequest,
    metadata: Metadata,
    peer = '',
  ): Promise<caProto.IstioCertificateResponse> {
    const { logger } = this.options;
    this.metrics.csr();
    const caller = await this.authenticate(metadata, peer);
    let identity = caller.identity;

    const requested = request.metadata?.[IMPERSONATED_IDENTITY];
    if (requested !== undefined && requested !== null && requested !== '') {
      const authorizer = this.options.nodeAuthorizer;
      let reason: string | undefined;
      if (typeof requested !== 'string') reason = 'ImpersonatedIdentity is not a string';
      else if (!authorizer) {
        reason =
          'impersonation not allowed, as node authorizer (CA_TRUSTED_NODE_ACCOUNTS) is not configured';
      } else {
        const result = authorizer.authorize(caller, requested);
        if (!result.ok) reason = result.reason;
      }
      if (reason !== undefined) {
        this.metrics.authnError();
        logger.warn(
          { client: peer, caller: caller.identity, impersonated: requested, reason },
          'impersonation failed',
        );
        throw new CaServiceError(status.UNAUTHENTICATED, IMPERSONATION_FAILURE);
      }
      identity = requested as string;
    }

    const signer = this.options.signer();
    if (!signer) {
      this.metrics.signError('CA_NOT_READY');
      throw new CaServiceError(status.INTERNAL, 'CSR signing error (CA is not ready)');
    }
    const ttl = Number(request.validityDuration);
    let chain: string[];
    try {
      chain = await signer.sign(request.csr, {
        identity: parseSpiffeId(identity),
        ...(Number.isFinite(ttl) && { ttlSeconds: ttl }),
      });
    } catch (error) {
      const { code, type } = classifySignError(error);
      this.metrics.signError(type);
      logger.error({ client: peer, identity, error: errorMessage(error) }, 'CSR signing error');
      throw new CaServiceError(code, `CSR signing error (${errorMessage(error)})`);
    }
    this.metrics.success();
    logger.debug({ client: peer, identity }, 'CSR successfully signed');
    // One certificate per entry (ztunnel relies on it), each ending in "\n".
    return create(caProto.IstioCertificateResponseSchema, {
      certChain: chain.flatMap((pem) => splitPemCertificates(pem)),
    });
  }

  private async authenticate(metadata: Metadata, peer: string): Promise<Caller> {
    const { logger } = this.options;
    const fail = (reason: string): CaServiceError => {
      this.metrics.authnError();
      logger.warn({ client: peer, reason }, 'CSR authentication failed');
      return new CaServiceError(status.UNAUTHENTICATED, AUTHN_FAILURE);
    };
    const result = await authenticateBearer(metadata.get('authorization'), this.options);
    if (!result.ok) throw fail(result.reason);
    return result.caller;
  }
}

function classifySignError(error: unknown): {
  code: status;
  type: 'CSR_ERROR' | 'TTL_ERROR' | 'CERT_GEN_ERROR';
} {
  if (error instanceof CaError) {
    switch (error.code) {
      case 'TTL_TOO_LONG':
      case 'BAD_OPTIONS':
        return { code: status.INVALID_ARGUMENT, type: 'TTL_ERROR' };
      case 'BAD_CSR':
      case 'CSR_SIGNATURE':
      case 'UNSUPPORTED_CSR_KEY':
        return { code: status.INVALID_ARGUMENT, type: 'CSR_ERROR' };
      default:
        return { code: status.INTERNAL, type: 'CERT_GEN_ERROR' };
    }
  }
  return { code: status.INTERNAL, type: 'CERT_GEN_ERROR' };
}
