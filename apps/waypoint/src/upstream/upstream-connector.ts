// Opens the byte stream to a chosen endpoint: HBONE (mTLS + HTTP/2 CONNECT to
// `podIP:15008`, authority `podIP:targetPort`) when the workload is in the
// mesh, plain TCP otherwise — as upstream's waypoint does for out-of-mesh
// endpoints. The waypoint presents its own identity; the endpoint must
// present one of the identities WDS allows for it.

import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HbonePool, type HboneSettings } from '@ambient-ts/hbone';
import { parseSpiffeId } from '@ambient-ts/spiffe';
import type { EndpointCandidate } from '@ambient-ts/workload-state';

/** The waypoint's current certificate (renewed by the certificate manager). */
export interface OwnCertificate {
  readonly identity: string;
  readonly certChainPem: readonly string[];
  readonly keyPem: string;
  readonly roots: readonly string[];
}

export interface UpstreamRequest {
  readonly endpoint: EndpointCandidate;
  readonly identities: readonly string[];
  /** For the CONNECT's `forwarded` header: the original client. */
  readonly clientIp: string;
  readonly serviceHostname: string;
  readonly signal?: AbortSignal;
}

export class UpstreamConnectError extends Error {
  override readonly name = 'UpstreamConnectError';
}

const HBONE_PORT = 15008;

export class UpstreamConnector {
  readonly #pool: HbonePool;

  constructor(
    private readonly cert: () => Promise<OwnCertificate>,
    settings: Partial<HboneSettings>,
    private readonly connectTimeoutMs = 10_000,
  ) {
    this.#pool = new HbonePool({ settings });
  }

  async connect(req: UpstreamRequest): Promise<Duplex> {
    const { workload, ip, port } = req.endpoint;
    if (workload.protocol !== 'HBONE') return this.#tcp(ip, port, req.signal);
    const own = await this.cert();
    return this.#pool.connect({
      source: {
        identity: parseSpiffeId(own.identity),
        certChainPem: own.certChainPem,
        keyPem: own.keyPem,
        trustBundle: own.roots,
      },
      destination: {
        address: ip.includes(':') ? `[${ip}]:${HBONE_PORT}` : `${ip}:${HBONE_PORT}`,
        expectedIdentities: req.identities.map((u) => parseSpiffeId(u)),
      },
      target: ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`,
      headers: { forwardedFor: req.clientIp, serviceHost: req.serviceHostname },
      ...(req.signal ? { signal: req.signal } : {}),
    });
  }

  #tcp(ip: string, port: number, signal?: AbortSignal): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = tcpConnect({ host: ip, port, allowHalfOpen: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new UpstreamConnectError(`connect to ${ip}:${port} timed out`));
      }, this.connectTimeoutMs);
      const onAbort = (): void => {
        socket.destroy();
        reject(new UpstreamConnectError(`connect to ${ip}:${port} aborted`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.setNoDelay(true);
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(
          new UpstreamConnectError(`connect to ${ip}:${port}: ${err.message}`, { cause: err }),
        );
      });
    });
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
