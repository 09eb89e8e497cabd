// The two gRPC clients every proxy opens to istiod, built the same way for
// ztunnel and the waypoint: the CA (IstioCertificateService, with the proxy's
// token and cluster id) and delta ADS (large messages, quick first reconnect),
// both over channels verified against istiod's root. The caller picks its
// subscriptions and what the CA may sign for it (impersonation or not).

import {
  AggregatedDiscoveryServiceClient,
  DeltaAdsClient,
  IstioCertificateServiceClient,
  type TypeSubscription,
  type XdsClientEvent,
  type XdsLogger,
} from '@ambient-ts/xds-types';
import { grpcCertificateSource, type CertificateSource } from './ca-client.js';
import { channelCredentials, metadataFor } from './grpc-channel.js';
import type { GrpcEndpoint } from './grpc-endpoint.js';
import type { XdsNode } from './xds-node.js';

/** istiod's largest WDS responses (every workload of a big cluster) fit. */
const MAX_XDS_MESSAGE_BYTES = 200 * 1024 * 1024;

export interface IstiodCaOptions {
  readonly endpoint: GrpcEndpoint;
  /** The proxy's projected istio-ca token, read per call (it rotates). */
  readonly token: () => string;
  readonly clusterId: string;
  readonly ttlSeconds: number;
  /** ztunnel asks for its pods' identities; a waypoint only for its own. */
  readonly impersonate: boolean;
}

/** A CertificateSource backed by istiod's CA; `close` releases its channel. */
export function istiodCertificateSource(o: IstiodCaOptions): {
  readonly source: CertificateSource;
  close(): void;
} {
  const { creds, options } = channelCredentials(o.endpoint);
  const client = new IstioCertificateServiceClient(o.endpoint.target, creds, options);
  const source = grpcCertificateSource({
    client,
    token: () => Promise.resolve(o.token()),
    clusterId: o.clusterId,
    ttlSeconds: o.ttlSeconds,
    headers: o.endpoint.headers,
    impersonate: o.impersonate,
  });
  return {
    source,
    close: () => {
      client.close();
    },
  };
}

export interface IstiodXdsOptions {
  readonly endpoint: GrpcEndpoint;
  readonly token: () => string;
  readonly clusterId: string;
  readonly node: XdsNode;
  readonly subscriptions: readonly TypeSubscription[];
  readonly logger: XdsLogger;
  readonly onEvent: (e: XdsClientEvent) => void;
}

/** A delta-ADS client to istiod (not started); `close` the channel after the client. */
export function istiodXdsClient(o: IstiodXdsOptions): {
  readonly xds: DeltaAdsClient;
  close(): void;
} {
  const { creds, options } = channelCredentials(o.endpoint);
  const ads = new AggregatedDiscoveryServiceClient(o.endpoint.target, creds, {
    ...options,
    'grpc.max_receive_message_length': MAX_XDS_MESSAGE_BYTES,
    'grpc.initial_reconnect_backoff_ms': 100,
  });
  const xds = new DeltaAdsClient({
    connect: () =>
      ads.deltaAggregatedResources(metadataFor(o.endpoint, o.token, o.clusterId)),
    node: { id: o.node.id, metadata: o.node.metadata as never },
    subscriptions: [...o.subscriptions],
    logger: o.logger,
    onEvent: o.onEvent,
  });
  return {
    xds,
    close: () => {
      ads.close();
    },
  };
}
