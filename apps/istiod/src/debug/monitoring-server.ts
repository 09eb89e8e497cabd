// :15014 — Prometheus /metrics, /ready, /version and /debug/syncz (per-proxy
// xDS sync state: what `istioctl proxy-status` reads). The debug view holds
// proxy ids, pod IPs, nonces and NACK texts, so every /debug/ path answers
// only a caller the injected check accepts (istiod.ts: a TokenReview-accepted
// token of a service account in istiod's namespace), else 401. Upstream lets
// loopback callers in without a token (port-forwarded istioctl); we do not.
// The same class serves upstream's :8080 with `readinessOnly`: /ready alone.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ADDRESS_TYPE_URL,
  AUTHORIZATION_TYPE_URL,
  WAYPOINT_LISTENER_TYPE_URL,
  type XdsConnectionSnapshot,
} from '@ambient-ts/xds-types';
import type { Registry } from 'prom-client';
import type { Logger } from '../runtime/logger.js';

/** istioctl's short names for the types we serve. */
export function shortTypeName(typeUrl: string): string {
  switch (typeUrl) {
    case ADDRESS_TYPE_URL:
      return 'WDS';
    case AUTHORIZATION_TYPE_URL:
      return 'WADS';
    case WAYPOINT_LISTENER_TYPE_URL:
      return 'WAYPOINT';
    default:
      return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  }
}

export interface SyncStatus {
  readonly proxy: string;
  readonly proxy_type: string;
  /** The proxy's ISTIO_VERSION metadata, as upstream's syncz reports it. */
  readonly istio_version: string;
  readonly cluster_id: string;
  readonly istiod: string;
  readonly connection_id: string;
  readonly peer: string;
  readonly connected_at: string;
  readonly types: readonly {
    readonly type_url: string;
    readonly short_name: string;
    /** SYNCED: last response ACKed; STALE: awaiting its ACK; NACKED: last response rejected. */
    readonly status: 'SYNCED' | 'STALE' | 'NACKED';
    readonly wildcard: boolean;
    readonly subscribed: readonly string[];
    readonly last_sent_nonce: string;
    readonly last_acked_nonce: string;
    readonly last_nacked_nonce: string;
    readonly nack_error: string;
    readonly acked_resources: number;
    readonly responses: number;
    readonly acks: number;
    readonly nacks: number;
  }[];
}

export function syncz(
  snapshots: readonly XdsConnectionSnapshot[],
  clusterId: string,
  istiod: string,
): SyncStatus[] {
  return snapshots.map((s) => ({
    proxy: s.proxyId,
    proxy_type: s.proxyId.split('~')[0] ?? '',
    istio_version: s.proxyVersion,
    cluster_id: clusterId,
    istiod,
    connection_id: s.connectionId,
    peer: s.peer,
    connected_at: s.connectedAt,
    types: s.types.map((t) => ({
      type_url: t.typeUrl,
      short_name: shortTypeName(t.typeUrl),
      status: t.state === 'acked' ? 'SYNCED' : t.state === 'nacked' ? 'NACKED' : 'STALE',
      wildcard: t.wildcard,
      subscribed: t.subscribedNames,
      last_sent_nonce: t.lastSentNonce,
      last_acked_nonce: t.lastAckedNonce,
      last_nacked_nonce: t.lastNackedNonce,
      nack_error: t.lastNackError,
      acked_resources: Object.keys(t.ackedVersions).length,
      responses: t.responses,
      acks: t.acks,
      nacks: t.nacks,
    })),
  }));
}

/** Whether a request may read /debug/; false answers 401. */
export type DebugAuthorizer = (req: http.IncomingMessage) => Promise<boolean>;

/** What :15014 serves without a token, as upstream. */
const OPEN_PATHS = new Set(['/metrics', '/ready', '/version']);

export interface MonitoringServerOptions {
  readonly host: string;
  readonly port: number;
  /** Only /ready (upstream's :8080, the Deployment's readiness probe target). */
  readonly readinessOnly?: boolean;
  readonly authorizeDebug: DebugAuthorizer;
  readonly registry: Registry;
  /** undefined when ready, else what is missing. */
  readonly notReadyReason: () => string | undefined;
  readonly syncz: () => SyncStatus[];
  readonly version: string;
  readonly logger: Logger;
}

export class MonitoringServer {
  private readonly server: http.Server;

  constructor(private readonly options: MonitoringServerOptions) {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  async start(signal?: AbortSignal): Promise<number> {
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host || undefined, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'Content-Type': type });
      res.end(body);
    };
    try {
      if (req.method !== 'GET') {
        send(405, 'text/plain', 'method not allowed\n');
        return;
      }
      if (this.options.readinessOnly && path !== '/ready') {
        send(404, 'text/plain', 'not found\n');
        return;
      }
      // Anything but the open paths needs the check (no spelling of a debug
      // path slips past it).
      if (!OPEN_PATHS.has(path ?? '') && !(await this.options.authorizeDebug(req))) {
        send(401, 'text/plain', 'unauthorized\n');
        return;
      }
      switch (path) {
        case '/metrics': {
          send(200, this.options.registry.contentType, await this.options.registry.metrics());
          return;
        }
        case '/ready': {
          const reason = this.options.notReadyReason();
          if (reason === undefined) send(200, 'text/plain', 'ready\n');
          else send(503, 'text/plain', `not ready: ${reason}\n`);
          return;
        }
        case '/version': {
          send(200, 'application/json', JSON.stringify({ version: this.options.version }));
          return;
        }
        case '/debug/syncz': {
          send(200, 'application/json', JSON.stringify(this.options.syncz(), null, 2));
          return;
        }
        default: {
          send(404, 'text/plain', 'not found\n');
          return;
        }
      }
    } catch (error) {
      this.options.logger.error(
        { path, error: (error as Error).message },
        'monitoring request failed',
      );
      send(500, 'text/plain', 'internal error\n');
    }
  }
}
