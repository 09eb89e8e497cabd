// Composition of one waypoint: WDS and WaypointListener resources from
// istiod's delta ADS, its own certificate from istiod's CA, the HBONE server
// on :15008 that terminates the tunnels ztunnels send to it, the HTTP engine
// that runs each request's L7 plan, HBONE out to the chosen endpoints, and the
// readiness/metrics/admin endpoints. main.ts calls it with the real config;
// tests call it the same way.

import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import pino, { type Logger } from 'pino';
import {
  createHboneServer,
  type AuthorizeDecision,
  type HboneServer,
  type InboundRequest,
} from '@ambient-ts/hbone';
import {
  CertificateManager,
  istiodCertificateSource,
  istiodXdsClient,
  tokenReader,
  xdsNode,
  type CertificateSource,
  type WorkloadCertificate,
} from '@ambient-ts/istiod-client';
import {
  applyAddressUpdate,
  createStateStore,
  parseIp,
  type LocalityView,
  type ProxyState,
} from '@ambient-ts/workload-state';
import {
  type DeltaAdsClient,
  typeSubscription,
  workload,
  type XdsClientEvent,
} from '@ambient-ts/xds-types';
import { AdminServer } from './admin/admin-server.js';
import { waypointConfigDump } from './admin/config-dump.js';
import type { WaypointConfig } from './config.js';
import {
  createRequestHandler,
  type RequestRecord,
  type TunnelContext,
} from './http/request-handler.js';
import { resolveConnectTarget } from './inbound/connect-target.js';
import { HttpFront } from './inbound/http-front.js';
import { TcpConnections } from './inbound/tcp-connections.js';
import { planConnection } from './l7/index.js';
import { ListenerTable } from './listeners/listener-table.js';
import { accessLogFields } from './telemetry/access-log.js';
import { requestLabels } from './telemetry/request-labels.js';
import { RequestMetrics } from './telemetry/request-metrics.js';
import { backendEndpoint, describeBackend } from './upstream/backend-endpoint.js';
import { H2Sessions } from './upstream/h2-sessions.js';
import { TunnelAgents } from './upstream/tunnel-agents.js';
import { UpstreamConnector } from './upstream/upstream-connector.js';

export interface WaypointDeps {
  readonly log?: Logger;
  /** Tests inject a CA; production uses istiod's over gRPC. */
  readonly certificates?: CertificateSource;
  readonly random?: () => number;
}

export interface WaypointAddresses {
  readonly hbone: AddressInfo;
  readonly admin: AddressInfo;
  readonly stats: AddressInfo;
  readonly readiness: AddressInfo;
}

/** Why the waypoint is not ready yet; /healthz/ready lists what is pending. */
type ReadinessTask = 'certificate' | 'xds' | 'hbone-listener';

export class Waypoint {
  readonly state: ProxyState;
  readonly listeners = new ListenerTable();
  readonly metrics = new RequestMetrics();
  readonly certs: CertificateManager;
  readonly xds: DeltaAdsClient;
  readonly identity: string;
  readonly #log: Logger;
  readonly #access: Logger;
  readonly #pending = new Set<ReadinessTask>(['certificate', 'xds', 'hbone-listener']);
  readonly #clients: { close(): void }[] = [];
  readonly #connector: UpstreamConnector;
  readonly #agents = new TunnelAgents();
  readonly #h2Sessions = new H2Sessions();
  readonly #tcp: TcpConnections;
  readonly #front: HttpFront;
  readonly #admin: AdminServer;
  readonly #stats: AdminServer;
  readonly #readiness: AdminServer;
  readonly #tunnelFacts = new WeakMap<InboundRequest, TunnelContext>();
  readonly #random: () => number;
  #hbone: HboneServer | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    readonly config: WaypointConfig,
    deps: WaypointDeps = {},
  ) {
    this.#log = deps.log ?? pino({ messageKey: 'message', base: { scope: 'waypoint' } });
    this.#access = this.#log.child({ scope: 'access' });
    this.#random = deps.random ?? Math.random;
    this.identity = `spiffe://${config.trustDomain}/ns/${config.podNamespace}/sa/${config.serviceAccount}`;
    const { state, updater } = createStateStore();
    this.state = state;

    const token = tokenReader({ kind: 'file', value: config.tokenPath });
    let source = deps.certificates;
    if (!source) {
      // The waypoint asks for its own identity, which its token proves.
      const ca = istiodCertificateSource({
        endpoint: config.ca,
        token,
        clusterId: config.clusterId,
        ttlSeconds: config.secretTtlSeconds,
        impersonate: false,
      });
      this.#clients.push(ca);
      source = ca.source;
    }
    this.certs = new CertificateManager(source, this.#log.child({ scope: 'identity' }));

    const istiod = istiodXdsClient({
      endpoint: config.xds,
      token,
      clusterId: config.clusterId,
      node: xdsNode({
        proxyType: 'waypoint',
        instanceIp: config.instanceIp,
        podName: config.podName,
        podNamespace: config.podNamespace,
        nodeName: config.nodeName,
        proxyMetadata: config.proxyMetadata,
        jsonMetadata: {},
      }),
      subscriptions: [
        typeSubscription(workload.AddressSchema, {
          apply: (u) => void applyAddressUpdate(updater, u),
        }),
        // Valid listeners are applied, each rejected one denies all; the NACK names them.
        this.listeners.subscription(),
      ],
      logger: this.#log.child({ scope: 'xds' }),
      onEvent: (e) => {
        this.#onXdsEvent(e);
      },
    });
    this.#clients.push(istiod);
    this.xds = istiod.xds;

    this.#tcp = new TcpConnections(this.#random);
    const recheck = (): void => {
      const closed = this.#tcp.recheck(this.listeners, state);
      if (closed > 0) {
        this.#log.info({ closed }, 'closed TCP connections the new config no longer allows');
      }
    };
    this.listeners.onChange(recheck);
    // A service or backend workload leaving xDS ends its connections too.
    state.onChange(recheck);
    this.#connector = new UpstreamConnector(() => this.#ownCertificate(), config.hbone);
    const handler = createRequestHandler({
      state,
      network: config.network,
      connector: this.#connector,
      listenerNamed: (name) => this.listeners.byName(name),
      agents: this.#agents,
      h2Sessions: this.#h2Sessions,
      self: () => this.#locality(),
      random: this.#random,
      onComplete: (r) => {
        this.#recordRequest(r);
      },
    });
    this.#front = new HttpFront(handler, (err) => {
      this.#log.error({ err: err.message }, 'request handler failed');
    });
    this.#readiness = new AdminServer({
      '/healthz/ready': () =>
        Promise.resolve(
          this.ready
            ? { status: 200, body: 'ready\n' }
            : {
                status: 503,
                body: `not ready, pending: ${[...this.#pending].sort().join(', ')}\n`,
              },
        ),
    });
    const prometheus = async (): Promise<{ status: number; body: string; type: string }> => ({
      status: 200,
      body: await this.metrics.registry.metrics(),
      type: this.metrics.registry.contentType,
    });
    this.#stats = new AdminServer({ '/stats/prometheus': prometheus, '/metrics': prometheus });
    this.#admin = new AdminServer({
      '/config_dump': () =>
        Promise.resolve({
          status: 200,
          type: 'application/json',
          body: JSON.stringify(
            waypointConfigDump({
              identity: this.identity,
              listeners: this.listeners.all(),
              xds: this.xds.snapshot(),
              certificates: this.certs.dump(),
            }),
            null,
            2,
          ),
        }),
    });
  }

  get ready(): boolean {
    return this.#pending.size === 0;
  }

  async start(): Promise<WaypointAddresses> {
    const c = this.config;
    const [readiness, stats, admin] = await Promise.all([
      this.#readiness.start(c.readinessAddr),
      this.#stats.start(c.statsAddr),
      this.#admin.start(c.adminAddr),
      this.#front.start(),
    ]);
    this.xds.start();
    this.certs.setWanted([this.identity]);
    const cert = await this.certs.get(this.identity);
    this.#pending.delete('certificate');
    this.certs.onRenewed(this.identity, (renewed) => {
      this.#hbone?.rotate(toHboneIdentity(renewed), renewed.roots);
    });
    this.#hbone = createHboneServer({
      identity: toHboneIdentity(cert),
      trustBundle: cert.roots,
      settings: c.hbone,
      logger: this.#log.child({ scope: 'hbone' }),
      authorize: (req) => Promise.resolve(this.#authorize(req)),
      dial: (req, signal) => this.#dial(req, signal),
    });
    const hbone = await this.#hbone.start({ host: c.hboneAddr.host, port: c.hboneAddr.port });
    this.#pending.delete('hbone-listener');
    this.#log.info(
      {
        identity: this.identity,
        hbone: `${hbone.address}:${hbone.port}`,
        serviceCluster: c.serviceCluster,
      },
      'waypoint started',
    );
    return { hbone, admin, stats, readiness };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#hbone?.close();
    await this.xds.close();
    this.certs.close();
    for (const c of this.#clients) c.close();
    this.#agents.close();
    this.#h2Sessions.close();
    await Promise.all([
      this.#front.close(),
      this.#connector.close(),
      this.#readiness.close(),
      this.#stats.close(),
      this.#admin.close(),
    ]);
  }

  /** CONNECT → listener; TCP listeners are authorized here, HTTP ones per request. */
  #authorize(req: InboundRequest): AuthorizeDecision {
    const target = resolveConnectTarget(this.state, this.listeners, this.config.network, {
      ip: req.target.ip,
      port: req.target.port,
    });
    if (target.kind === 'reject')
      return { allow: false, status: target.status, reason: target.reason };
    const ctx: TunnelContext = {
      listener: target.listener,
      service: target.service,
      peerIdentity: req.peer.uri,
      peerIp: req.remote.ip,
      destination: { ip: req.target.ip, port: req.target.port },
    };
    if (target.listener.protocol === 'TCP') {
      const plan = planConnection(
        target.listener,
        { peer: { identity: ctx.peerIdentity, ip: ctx.peerIp }, destination: ctx.destination },
        this.#random,
      );
      if (plan.kind === 'deny') {
        return {
          allow: false,
          status: 401,
          reason: `denied by ${plan.policy ?? 'policy (no ALLOW matched)'}`,
        };
      }
    }
    this.#tunnelFacts.set(req, ctx);
    return { allow: true };
  }

  async #dial(req: InboundRequest, signal: AbortSignal): Promise<Duplex> {
    const ctx = this.#tunnelFacts.get(req);
    if (!ctx) throw new Error('CONNECT was not authorized');
    if (ctx.listener.protocol === 'HTTP') return this.#front.open(ctx);
    const plan = planConnection(
      ctx.listener,
      { peer: { identity: ctx.peerIdentity, ip: ctx.peerIp }, destination: ctx.destination },
      this.#random,
    );
    if (plan.kind !== 'forward') throw new Error(`no backend for ${ctx.listener.name}`);
    const family = ctx.destination.ip.includes(':') ? 6 : 4;
    const chosen = backendEndpoint(
      this.state,
      plan.backend,
      this.#locality(),
      family,
      this.#random,
    );
    if (chosen.kind === 'unavailable') throw new Error(chosen.reason);
    this.#access.info(
      {
        'src.identity': ctx.peerIdentity,
        'dst.service': ctx.service.hostname,
        'dst.backend': describeBackend(plan.backend),
        'dst.addr': `${chosen.candidate.ip}:${chosen.candidate.port}`,
      },
      'tcp connection forwarded',
    );
    const upstream = await this.#connector.connect({
      endpoint: chosen.candidate,
      identities: chosen.identities,
      clientIp: ctx.peerIp,
      serviceHostname: chosen.serviceHostname,
      signal,
    });
    this.#tcp.track(ctx, chosen.candidate.workload.uid, upstream);
    return upstream;
  }

  #recordRequest(r: RequestRecord): void {
    this.metrics.record(requestLabels(r), r.durationMs);
    this.#access.info(accessLogFields(r), 'request complete');
  }

  #locality(): LocalityView {
    const ip = parseIp(this.config.instanceIp);
    const self = ip
      ? this.state.workloadByAddress({ network: this.config.network, address: ip })
      : undefined;
    return (
      self ?? {
        network: this.config.network,
        node: this.config.nodeName,
        clusterId: this.config.clusterId,
        locality: { region: '', zone: '', subzone: '' },
      }
    );
  }

  async #ownCertificate(): Promise<{
    identity: string;
    certChainPem: readonly string[];
    keyPem: string;
    roots: readonly string[];
  }> {
    const c = await this.certs.get(this.identity);
    return {
      identity: this.identity,
      certChainPem: c.certChainPem,
      keyPem: c.keyPem,
      roots: c.roots,
    };
  }

  #onXdsEvent(e: XdsClientEvent): void {
    if (e.kind === 'ready') this.#pending.delete('xds');
    if (e.kind === 'nacked') {
      this.metrics.xdsRejections.inc({ type_url: e.typeUrl });
      this.#log.warn({ typeUrl: e.typeUrl, error: e.error }, 'rejected an xDS response (NACK)');
    }
  }
}

function toHboneIdentity(c: WorkloadCertificate): {
  certChainPem: readonly string[];
  keyPem: string;
} {
  return { certChainPem: c.certChainPem, keyPem: c.keyPem };
}
