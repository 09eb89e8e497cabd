// The gRPC listeners: :15012 (TLS with istiod's serving certificate: xDS,
// every stream authenticated, and the CA) and — only when --grpcAddr names an
// address, for development — :15010 (plaintext, unauthenticated xDS).

import { Server, ServerCredentials } from '@grpc/grpc-js';
import {
  aggregatedDiscoveryServiceDefinition,
  istioCertificateServiceDefinition,
  type AggregatedDiscoveryServiceHandlers,
  type IstioCertificateServiceHandlers,
} from '@ambient-ts/xds-types';
import type { HostPort } from '../config.js';

export interface GrpcServersOptions {
  /** undefined: no plaintext listener (the default). */
  readonly plaintext: HostPort | undefined;
  readonly secure: HostPort;
  readonly secureCredentials: ServerCredentials;
  /** ADS on the plaintext port: no credentials to check there. */
  readonly plaintextAds: AggregatedDiscoveryServiceHandlers;
  /** ADS on :15012: authenticates and binds every stream. */
  readonly secureAds: AggregatedDiscoveryServiceHandlers;
  readonly ca: IstioCertificateServiceHandlers;
}

export interface BoundPorts {
  /** undefined when plaintext xDS is off. */
  readonly plaintext: number | undefined;
  readonly secure: number;
}

const SERVER_OPTIONS = {
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  'grpc.max_send_message_length': 200 * 1024 * 1024,
  // Upstream's MaxServerConnectionAge: clients rebalance across istiod replicas
  // and resume with initial_resource_versions.
  'grpc.max_connection_age_ms': 30 * 60 * 1000,
  'grpc.max_connection_age_grace_ms': 10 * 1000,
  'grpc.keepalive_time_ms': 30 * 1000,
  'grpc.keepalive_timeout_ms': 10 * 1000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10 * 1000,
};

function address(hp: HostPort): string {
  const host = hp.host === '' ? '0.0.0.0' : hp.host.includes(':') ? `[${hp.host}]` : hp.host;
  return `${host}:${hp.port}`;
}

function bind(server: Server, addr: string, creds: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(addr, creds, (error, port) => {
      if (error) reject(new Error(`cannot listen on ${addr}: ${error.message}`));
      else resolve(port);
    });
  });
}

export class GrpcServers {
  private readonly plaintext: Server | undefined;
  private readonly secure = new Server(SERVER_OPTIONS);

  constructor(private readonly options: GrpcServersOptions) {
    if (options.plaintext !== undefined) {
      this.plaintext = new Server(SERVER_OPTIONS);
      this.plaintext.addService(aggregatedDiscoveryServiceDefinition, options.plaintextAds);
    }
    this.secure.addService(aggregatedDiscoveryServiceDefinition, options.secureAds);
    this.secure.addService(istioCertificateServiceDefinition, options.ca);
  }

  async start(signal?: AbortSignal): Promise<BoundPorts> {
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    const plaintext =
      this.plaintext && this.options.plaintext
        ? await bind(
            this.plaintext,
            address(this.options.plaintext),
            ServerCredentials.createInsecure(),
          )
        : undefined;
    const secure = await bind(
      this.secure,
      address(this.options.secure),
      this.options.secureCredentials,
    );
    return { plaintext, secure };
  }

  /** Stops accepting, lets calls finish for up to `graceMs`, then forces. */
  async close(graceMs = 5000): Promise<void> {
    await Promise.all(
      [this.plaintext, this.secure]
        .filter((server): server is Server => server !== undefined)
        .map(
          (server) =>
            new Promise<void>((resolve) => {
              const force = setTimeout(() => {
                server.forceShutdown();
                resolve();
              }, graceMs);
              server.tryShutdown(() => {
                clearTimeout(force);
                resolve();
              });
            }),
        ),
    );
  }
}
