// The whole control plane wired together: informers → ambient index → xDS
// store → delta ADS on :15012 (every stream authenticated and bound to its
// proxy; plaintext :15010 only when configured); the CA on :15012; root-cert
// publishing; status writing; the waypoint deployment controller; metrics
// and debug on :15014. main.ts builds it from config and a real KubeApi;
// tests build it with a fake one. start()/close() and an AbortSignal.

import { X509Certificate } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { AggregatedDiscoveryServiceHandlers, discovery } from '@ambient-ts/xds-types';
import { AmbientIndex } from './ambient/ambient-index.js';
import type { IndexConfig } from './ambient/index-config.js';
import { CaController } from './ca/ca-controller.js';
import { CaServer } from './ca/ca-server.js';
import { NodeAuthorizer, type PodLookup } from './ca/node-authorizer.js';
import { RootCertPublisher } from './ca/root-cert-publisher.js';
import { istiodDnsNames } from './ca/serving-cert.js';
import type { IstiodConfig } from './config.js';
import { debugAuthorizer } from './debug/debug-auth.js';
import { MonitoringServer, syncz } from './debug/monitoring-server.js';
import { WaypointDeploymentController } from './gateway/deployment-controller.js';
import { saNodeKey } from './ambient/inputs.js';
import { createInformers, type Informers } from './kube/informers.js';
import type { KubeApi } from './kube/kube-api.js';
import { IstiodMetrics } from './metrics.js';
import type { Logger } from './runtime/logger.js';
import { StatusWriter } from './status/status-writer.js';
import { GrpcServers, type BoundPorts } from './xds/grpc-servers.js';
import { IndexLoop } from './xds/index-loop.js';
import { authenticatedAdsHandler } from './xds/authenticated-ads.js';
import { knownPods, XdsCore } from './xds/xds-core.js';

export interface IstiodOptions {
  readonly config: IstiodConfig;
  readonly api: KubeApi;
  /** A logger per component (pino: `(c) => root.child({ component: c })`). */
  readonly logger: (component: string) => Logger;
}

export interface StartedIstiod {
  readonly grpc: BoundPorts;
  readonly monitoringPort: number;
  /** The bound --httpAddr port (readiness probe target). */
  readonly httpPort: number;
}

type AdsCall = ServerDuplexStream<
  discovery.DeltaDiscoveryRequest,
  discovery.DeltaDiscoveryResponse
>;

export const NOT_READY_FOR_XDS = 'server is not ready to serve discovery information';

export class Istiod {
  readonly metrics = new IstiodMetrics();
  readonly informers: Informers;
  readonly index: AmbientIndex;
  readonly xds: XdsCore;
  readonly ca: CaController;
  readonly caServer: CaServer;
  readonly statusWriter: StatusWriter | undefined;
  readonly deploymentController: WaypointDeploymentController | undefined;
  private readonly publisher: RootCertPublisher;
  private readonly loop: IndexLoop;
  private readonly grpc: GrpcServers;
  private readonly monitoring: MonitoringServer;
  /** Upstream's :8080, probed for /ready by the Deployment. */
  private readonly http: MonitoringServer;
  private readonly abort = new AbortController();
  private synced = false;
  private serving = false;

  constructor(private readonly options: IstiodOptions) {
    const { config, api, logger } = options;
    // Every reflector and server drains on this one signal.
    setMaxListeners(100, this.abort.signal);
    this.informers = createInformers(api, config, logger('kube'));
    const indexConfig: IndexConfig = {
      clusterId: config.clusterId,
      domainSuffix: config.domainSuffix,
      rootNamespace: config.rootNamespace,
      trustDomain: config.trustDomain,
      network: config.network,
      enableDryRun: config.enableDryRun,
    };
    const inputs = this.informers.inputs;
    this.index = new AmbientIndex({
      inputs,
      config: indexConfig,
      onDirty: () => {
        this.loop.poke();
      },
    });
    this.xds = new XdsCore({
      index: this.index,
      inputs,
      logger: logger('ads'),
      debounceMs: config.debounceMs,
      onEvent: this.metrics.onXdsEvent,
      onResourcesChanged: (typeUrl, names) => {
        this.metrics.resourcesChanged(typeUrl, names.length);
      },
    });
    this.statusWriter = config.enableStatus
      ? new StatusWriter({
          api,
          stores: {
            Service: inputs.services,
            ServiceEntry: inputs.serviceEntries,
            AuthorizationPolicy: inputs.authorizationPolicies,
          },
          logger: logger('status'),
        })
      : undefined;
    this.loop = new IndexLoop({
      index: this.index,
      logger: logger('ambient'),
      onChange: (change) => {
        this.xds.publish(change);
        // Statuses written before the caches synced could be computed from a
        // partial view; the first flush after sync writes them all.
        if (this.synced) this.statusWriter?.update(change.statuses);
        this.metrics.setServiceCount(inputs.services.size + inputs.serviceEntries.size);
      },
    });
    this.publisher = new RootCertPublisher({
      api,
      configMapName: config.rootCertConfigMap,
      namespaces: inputs.namespaces,
      configMaps: this.informers.rootCertConfigMaps,
      logger: logger('root-cert'),
    });
    this.ca = new CaController({
      api,
      material: {
        namespace: config.namespace,
        trustDomain: config.trustDomain,
        defaultTtlSeconds: config.defaultCertTtlSeconds,
        maxTtlSeconds: config.maxCertTtlSeconds,
        selfSignedRootTtlSeconds: config.selfSignedRootTtlSeconds,
        useCacertsForSelfSigned: config.useCacertsForSelfSigned,
      },
      secrets: this.informers.secrets,
      publisher: this.publisher,
      dnsNames: istiodDnsNames(config.namespace, config.domainSuffix, config.customHosts),
      servingTtlSeconds: config.defaultCertTtlSeconds,
      logger: logger('ca'),
      onRoot: (pem) => {
        this.metrics.setRootExpiry(new Date(new X509Certificate(pem).validTo));
      },
    });
    const pods: PodLookup = {
      pod: (namespace, name) => {
        const p = inputs.pods.get(`${namespace}/${name}`);
        if (!p) return undefined;
        return {
          ...(p.metadata.uid && { uid: p.metadata.uid }),
          serviceAccount: p.spec?.serviceAccountName ?? 'default',
          ...(p.spec?.nodeName && { nodeName: p.spec.nodeName }),
        };
      },
      hasServiceAccountOnNode: (namespace, sa, node) =>
        inputs.pods.byIndex('sa-node', saNodeKey(namespace, sa, node)).length > 0,
    };
    this.caServer = new CaServer({
      signer: () => this.ca.authority,
      tokenReview: (token, audiences) => api.tokenReview(token, audiences),
      audiences: config.tokenAudiences,
      trustDomain: config.trustDomain,
      nodeAuthorizer:
        config.trustedNodeAccounts.length > 0
          ? new NodeAuthorizer(config.trustedNodeAccounts, pods, config.trustDomain)
          : undefined,
      logger: logger('ca'),
      metrics: this.metrics.ca,
    });
    this.deploymentController = config.enableDeploymentController
      ? new WaypointDeploymentController({
          api,
          gateways: inputs.gateways,
          gatewayClasses: inputs.gatewayClasses,
          services: inputs.services,
          endpointSlices: inputs.endpointSlices,
          managedDeployments: this.informers.managedDeployments,
          managedServiceAccounts: this.informers.managedServiceAccounts,
          settings: {
            image: config.waypointImage,
            istiodNamespace: config.namespace,
            clusterId: config.clusterId,
            network: config.network,
            trustDomain: config.trustDomain,
            domainSuffix: config.domainSuffix,
            revision: 'default',
          },
          logger: logger('deployment-controller'),
        })
      : undefined;
    // The CA's TokenReview authenticator, shared by xDS and /debug/.
    const tokenAuth = {
      tokenReview: (token: string, audiences: readonly string[]) =>
        api.tokenReview(token, audiences),
      audiences: config.tokenAudiences,
      trustDomain: config.trustDomain,
    };
    const serve = this.xds.ads.implementation.DeltaAggregatedResources;
    this.grpc = new GrpcServers({
      plaintext: config.grpcAddr,
      secure: config.secureGrpcAddr,
      secureCredentials: this.ca.serverCredentials(),
      plaintextAds: this.gatedAds((call) => {
        // Development only (--grpcAddr): no credentials, upstream's behaviour.
        call.once('data', (first: discovery.DeltaDiscoveryRequest) => {
          if (first.node) this.xds.owners.set(first.node, 'plaintext');
        });
        serve(call);
      }),
      secureAds: this.gatedAds(
        authenticatedAdsHandler({
          auth: tokenAuth,
          binding: { trustedNodeAccounts: config.trustedNodeAccounts, pod: knownPods(inputs) },
          bind: (node, caller) => {
            this.xds.owners.set(node, caller);
          },
          serve,
          logger: logger('ads'),
        }),
      ),
      ca: this.caServer.handlers(),
    });
    const authorizeDebug = debugAuthorizer({
      ...tokenAuth,
      namespace: config.namespace,
      logger: logger('monitoring'),
    });
    const monitoringOn = (
      addr: { host: string; port: number },
      readinessOnly: boolean,
    ): MonitoringServer =>
      new MonitoringServer({
        host: addr.host,
        port: addr.port,
        readinessOnly,
        authorizeDebug,
        registry: this.metrics.registry,
        notReadyReason: () => this.notReadyReason(),
        syncz: () => syncz(this.xds.ads.snapshot(), config.clusterId, config.podName),
        version: config.version,
        logger: logger('monitoring'),
      });
    this.monitoring = monitoringOn(config.monitoringAddr, false);
    this.http = monitoringOn(config.httpAddr, true);
  }

  /** Why istiod is not ready, or undefined when it is. */
  notReadyReason(): string | undefined {
    if (!this.ca.authority) return 'CA not loaded (see the ca component log)';
    if (!this.synced) {
      const missing = this.informers.unsynced();
      return `caches not synced${missing.length ? ` (${missing.join(', ')})` : ''}`;
    }
    if (!this.serving) return 'gRPC servers not listening';
    return undefined;
  }

  async start(signal?: AbortSignal): Promise<StartedIstiod> {
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    const log = this.options.logger('istiod');
    const monitoringPort = await this.monitoring.start();
    const httpPort = await this.http.start();
    this.informers.start(this.abort.signal);
    this.xds.start(this.abort.signal);
    this.publisher.start(this.abort.signal);
    await this.ca.start(this.abort.signal);
    const grpc = await this.grpc.start();
    this.serving = true;
    await this.informers.whenSynced();
    const first = this.loop.flushNow();
    this.synced = true;
    if (first) this.statusWriter?.update(this.index.desiredStatuses());
    this.deploymentController?.start(this.abort.signal);
    log.info(
      { grpc: grpc.plaintext, secureGrpc: grpc.secure, monitoring: monitoringPort },
      'istiod ready: caches synced, serving xDS and the CA',
    );
    return { grpc, monitoringPort, httpPort };
  }

  async close(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    this.loop.close();
    this.statusWriter?.close();
    this.deploymentController?.close();
    this.publisher.close();
    this.ca.close();
    this.index.close();
    await this.xds.close();
    await this.grpc.close();
    await this.monitoring.close();
    await this.http.close();
    await this.informers.close();
  }

  /** ADS refuses streams until the caches synced: a partial view could drop DENY policies. */
  private gatedAds(handle: (call: AdsCall) => void): AggregatedDiscoveryServiceHandlers {
    return {
      StreamAggregatedResources: this.xds.ads.implementation.StreamAggregatedResources,
      DeltaAggregatedResources: (call: AdsCall) => {
        if (!this.synced) {
          call.emit('error', { code: status.UNAVAILABLE, details: NOT_READY_FOR_XDS });
          return;
        }
        handle(call);
      },
    };
  }
}
