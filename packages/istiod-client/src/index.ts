// @ambient-ts/istiod-client: what a data-plane proxy needs to talk to istiod
// besides the xDS protocol itself (xds-types): the authenticated gRPC channel,
// workload certificates from the CA, and the xDS Node it announces.

export type { GrpcEndpoint, AuthToken } from './grpc-endpoint.js';
export { channelCredentials, metadataFor, tokenReader } from './grpc-channel.js';
export {
  grpcCertificateSource,
  certificateFromResponse,
  tokenSource,
  CertificateRequestError,
  type CaClientOptions,
  type CertificateSource,
  type WorkloadCertificate,
} from './ca-client.js';
export {
  CertificateManager,
  type CertificateDump,
  type CertificateLogger,
} from './cert-manager.js';
export { xdsNode, type NodeInput, type ProxyType, type XdsNode } from './xds-node.js';
export {
  ConfigError,
  envBool,
  envDuration,
  envHostPort,
  envInt,
  envPrefixed,
  grpcEndpointFromEnv,
  parseDurationMs,
  type ProxyEnv,
} from './proxy-env.js';
export {
  istiodCertificateSource,
  istiodXdsClient,
  type IstiodCaOptions,
  type IstiodXdsOptions,
} from './istiod-connection.js';
