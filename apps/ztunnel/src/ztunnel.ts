// Composition of one ztunnel: the state store fed by delta ADS, the
// certificate manager fed by the CA, the ZDS client and the per-pod proxies,
// telemetry, and the admin/metrics/readiness endpoints. main.ts calls it with
// the real config; integration tests call it the same way.

import type { AddressInfo } from 'node:net';
import { resolveSettings } from '@ambient-ts/hbone';
import {
  CertificateManager,
  istiodCertificateSource,
  istiodXdsClient,
  tokenReader,
  xdsNode,
  type CertificateSource,
} from '@ambient-ts/istiod-client';
import { type DeltaAdsClient, type XdsClientEvent } from '@ambient-ts/xds-types';
import { workloadIdentityUri, createStateStore, type ProxyState } from '@ambient-ts/workload-state';
import {
  adminEndpoint,
  metricsEndpoint,
  readinessEndpoint,
  type HttpEndpoint,
} from './admin/http-servers.js';
import { configDump } from './admin/config-dump.js';
import { Readiness } from './admin/readiness.js';
import type { Config } from './config.js';
import { PodDnsServer } from './dns/dns-proxy.js';
import { PodProxy, type PodDnsProxy } from './inpod/pod-proxy.js';
import { WorkloadProxyManager } from './inpod/workload-manager.js';
import { ZdsClient } from './inpod/zds-client.js';
import { ConnectionManager } from './proxy/connection-manager.js';
import type { PodContext, ProxyContext } from './proxy/context.js';
import { stillAuthorized } from './proxy/inbound-decision.js';
import { linuxPodSockets, type PodSockets } from './proxy/sockets.js';
import type { LogManager } from './telemetry/logging.js';
import { ZtunnelMetrics } from './telemetry/metrics.js';
import { wdsSubscriptions } from './xds-subscriptions.js';

export const ZTUNNEL_VERSION = '0.1.0';
const STATE_TASK = 'state manager';
const PROXY_TASK = 'workload proxy manager';
/** How often open connections' bytes are pushed into the metrics. */
const METRICS_FLUSH_MS = 5000;

export interface ZtunnelDeps {
  readonly logs: LogManager;
  /** Default: istiod's CA over gRPC (config.ca). */
  readonly certificates?: CertificateSource;
  /** Default: linux-sockets with config.packetMark. */
  readonly sockets?: PodSockets;
  readonly random?: () => number;
  /** Per-pod DNS proxy factory. Default: the registry-backed proxy when config.dnsProxy is on. */
  readonly dns?: (pod: PodContext, state: ProxyState) => PodDnsProxy;
  /** Called when /quitquitquit asks for shutdown. Default: close(). */
  readonly onQuit?: () => void;
}

export interface ZtunnelAddresses {
  readonly admin: AddressInfo;
  readonly stats: AddressInfo;
  readonly readiness: AddressInfo;
}

export class Ztunnel {
  readonly state: ProxyState;
  readonly metrics = new ZtunnelMetrics();
  readonly readiness = new Readiness();
  readonly connections = new ConnectionManager();
  readonly certs: CertificateManager;
  readonly manager: WorkloadProxyManager;
  readonly xds: DeltaAdsClient;
  readonly zds: ZdsClient;
  readonly #endpoints: { admin: HttpEndpoint; stats: HttpEndpoint; readiness: HttpEndpoint };
  readonly #clients: { close(): void }[] = [];
  #closing: Promise<void> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #proxies = new Map<string, PodProxy>();

  constructor(
    readonly config: Config,
    deps: ZtunnelDeps,
  ) {
    const log = deps.logs.scope('ztunnel');
    const { state, updater } = createStateStore();
    this.state = state;
    this.readiness.block(STATE_TASK);
    this.readiness.block(PROXY_TASK);

    const token = tokenReader(config.authToken);
    let source = deps.certificates;
    if (!source) {
      // Shared (in-pod) mode: ztunnel asks for its pods' identities.
      const ca = istiodCertificateSource({
        endpoint: config.ca,
        token,
        clusterId: config.clusterId,
        ttlSeconds: config.secretTtlSeconds,
        impersonate: true,
      });
      this.#clients.push(ca);
      source = ca.source;
    }
    this.certs = new CertificateManager(source, deps.logs.scope('identity'));

    const node = xdsNode({
      proxyType: 'ztunnel',
      instanceIp: config.instanceIp,
      podName: config.podName,
      podNamespace: config.podNamespace,
      nodeName: config.nodeName,
      proxyMetadata: config.proxyMetadata,
      jsonMetadata: config.jsonMetadata,
    });
    const istiod = istiodXdsClient({
      endpoint: config.xds,
      token,
      clusterId: config.clusterId,
      node,
      subscriptions: wdsSubscriptions(updater),
      logger: deps.logs.scope('xds'),
      onEvent: (e) => {
        this.#onXdsEvent(e);
      },
    });
    this.#clients.push(istiod);
    this.xds = istiod.xds;

    const ctx: ProxyContext = {
      nodeName: config.nodeName,
      enforceWaypoint: config.enforceWaypoint,
      responseBaggage: config.responseBaggage,
      state,
      certs: this.certs,
      metrics: this.metrics,
      accessLog: deps.logs.scope('access'),
      log: deps.logs.scope('proxy'),
      connections: this.connections,
      sockets: deps.sockets ?? linuxPodSockets(config.packetMark),
      random: deps.random ?? Math.random,
      localWorkloadTimeoutMs: 5000,
    };
    const hbone = { ...config.hbone, drainTimeoutMs: config.terminationDeadlineMs };
    resolveSettings(hbone); // fail at start, not on the first connection
    const dnsLog = deps.logs.scope('dns');
    const dns =
      deps.dns ??
      (config.dnsProxy
        ? (pod: PodContext, st: ProxyState): PodDnsProxy =>
            new PodDnsServer(pod, {
              state: st,
              sockets: ctx.sockets,
              upstreams: config.dnsUpstreams,
              clusterDomain: config.clusterDomain,
              reusePort: config.inpodPortReuse,
              log: dnsLog,
            })
        : undefined);
    this.manager = new WorkloadProxyManager({
      createProxy: (info, netns) => {
        const proxy = new PodProxy(ctx, info, netns, {
          hbone,
          reusePort: config.inpodPortReuse,
          ...(dns ? { dns: (pod: PodContext) => dns(pod, state) } : {}),
        });
        this.#proxies.set(info.uid, proxy);
        return {
          start: () => {
            proxy.start();
          },
          stop: async (ms) => {
            await proxy.stop(ms);
            if (this.#proxies.get(info.uid) === proxy) this.#proxies.delete(info.uid);
            this.#refreshCertificates();
          },
        };
      },
      logger: deps.logs.scope('inpod'),
      metrics: this.metrics,
      drainMs: config.terminationDeadlineMs,
      onChange: () => {
        this.readiness.set(PROXY_TASK, this.manager.ready);
        this.#refreshCertificates();
      },
    });
    this.zds = new ZdsClient({
      path: config.inpodUds,
      manager: this.manager,
      logger: deps.logs.scope('inpod'),
    });

    state.onChange((change) => {
      if (change.kind === 'addresses') this.#refreshCertificates();
      // Policies and the workloads' policy references both decide what is allowed.
      const closed = this.connections.recheck((a) => stillAuthorized(state, a));
      if (closed > 0) log.info({ closed }, 'closed connections no longer allowed by policy');
    });

    const quit = deps.onQuit ?? (() => void this.close());
    this.#endpoints = {
      admin: adminEndpoint({
        configDump: () =>
          configDump({
            state,
            certificates: this.certs.dump(),
            workloadState: this.manager.dump(),
            connections: (uid) => this.connections.forPod(uid),
            config: { ...config, authToken: { kind: config.authToken.kind } },
            version: ZTUNNEL_VERSION,
          }),
        logs: deps.logs,
        quit,
      }),
      stats: metricsEndpoint(this.metrics.registry),
      readiness: readinessEndpoint(this.readiness),
    };
  }

  async start(signal?: AbortSignal): Promise<ZtunnelAddresses> {
    const c = this.config;
    const [admin, stats, readiness] = await Promise.all([
      this.#endpoints.admin.start(c.adminAddr.host, c.adminAddr.port),
      this.#endpoints.stats.start(c.statsAddr.host, c.statsAddr.port),
      this.#endpoints.readiness.start(c.readinessAddr.host, c.readinessAddr.port),
    ]);
    this.xds.start();
    this.zds.start();
    // Long connections show up in the byte metrics while they run, not only when they end.
    this.#flushTimer = setInterval(() => {
      this.connections.flushAll();
    }, METRICS_FLUSH_MS);
    this.#flushTimer.unref();
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    return { admin, stats, readiness };
  }

  /** Pod proxy by ZDS uid (tests, debugging). */
  proxy(uid: string): PodProxy | undefined {
    return this.#proxies.get(uid);
  }

  /**
   * Drains: stops accepting at once (listeners close, so a new ztunnel's
   * SO_REUSEPORT listeners take over), lets open connections run until the
   * termination deadline, then closes what is left.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    clearInterval(this.#flushTimer);
    this.zds.close();
    await this.manager.close();
    await this.xds.close();
    this.certs.close();
    for (const c of this.#clients) c.close();
    await Promise.all([
      this.#endpoints.admin.close(),
      this.#endpoints.stats.close(),
      this.#endpoints.readiness.close(),
    ]);
  }

  #onXdsEvent(e: XdsClientEvent): void {
    if (e.kind === 'ready') this.readiness.clear(STATE_TASK);
    if (e.kind === 'disconnected') {
      this.metrics.xdsTerminations.inc({ reason: e.code === undefined ? 'Complete' : 'Error' });
    }
  }

  /** Certificates for every identity a local pod has: node-local HBONE workloads and enrolled pods. */
  #refreshCertificates(): void {
    const wanted = new Set<string>();
    for (const w of this.state.workloadsOnNode(this.config.nodeName)) {
      if (w.protocol === 'HBONE' || w.nativeTunnel) wanted.add(workloadIdentityUri(w));
    }
    for (const p of this.#proxies.values()) {
      const w = p.currentWorkload();
      if (w) wanted.add(workloadIdentityUri(w));
    }
    this.certs.setWanted(wanted);
  }
}
