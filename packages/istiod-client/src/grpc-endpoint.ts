// How a proxy is configured to reach istiod: plain data, produced by each
// app's config.ts from its environment and consumed by grpc-channel.ts and
// ca-client.ts.

/** An endpoint we reach over gRPC (istiod's xDS or CA). */
export interface GrpcEndpoint {
  /** grpc-js target: `host:port` or `unix:/path`. */
  readonly target: string;
  /** https: TLS verified against rootCa; http:/unix: plaintext (tests, local development). */
  readonly tls: boolean;
  /** PEM file or literal PEM of the root to verify istiod with; undefined: system roots. */
  readonly rootCa: string | undefined;
  /** Name to verify instead of the target's host (ALT_XDS_HOSTNAME / ALT_CA_HOSTNAME). */
  readonly altHostname: string | undefined;
  /** Extra gRPC metadata (XDS_HEADER_* / CA_HEADER_*). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The token a proxy authenticates to istiod with (AUTH_TOKEN): a file re-read per use, or a literal. */
export interface AuthToken {
  readonly kind: 'file' | 'literal';
  readonly value: string;
}
