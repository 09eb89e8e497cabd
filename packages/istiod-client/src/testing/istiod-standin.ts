// A stand-in istiod for proxies' integration tests (ztunnel, waypoint): the
// xds-types delta-ADS server runtime over a ResourceStore, and the real CA
// signing core (spiffe's CertificateAuthority) behind a real
// IstioCertificateService gRPC server, both on unix sockets (no ports, no
// network). The CA checks the bearer token: the node token may impersonate
// (ztunnel), a workload token gets exactly its own identity (a waypoint).
// xDS, as istiod's :15012, serves only streams whose `authorization` carries
// one of those tokens (else UNAUTHENTICATED), so a proxy that forgets its
// token on xDS fails its tests. Resources are given as the protos istiod
// would send.

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  create,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { CertificateAuthority, parseIstioIdentity } from '@ambient-ts/spiffe';
import {
  ADDRESS_TYPE_URL,
  AUTHORIZATION_TYPE_URL,
  WAYPOINT_LISTENER_TYPE_URL,
  aggregatedDiscoveryServiceDefinition,
  ca as caProto,
  DeltaAdsServer,
  istioCertificateServiceDefinition,
  packAny,
  ResourceStore,
  security,
  waypoint as wp,
  workload as wl,
  type AggregatedDiscoveryServiceHandlers,
  type IstioCertificateServiceHandlers,
} from '@ambient-ts/xds-types';

/** The token of an `authorization: Bearer <token>` value ('' when absent). */
function bearer(value: string | Buffer | undefined): string {
  return typeof value === 'string' ? value.replace(/^Bearer /, '') : '';
}

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The plain-object form of a message (what create() takes). */
type Init<D extends DescMessage> = Exclude<MessageInitShape<D>, MessageShape<D>>;
export type WorkloadInit = Init<typeof wl.WorkloadSchema>;
export type ServiceInit = Init<typeof wl.ServiceSchema>;
export type PolicyInit = Init<typeof security.AuthorizationSchema>;
export type ListenerInit = Init<typeof wp.WaypointListenerSchema>;

export class IstiodStandIn {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ztunnel-it-'));
  readonly xdsSocket = path.join(this.dir, 'xds.sock');
  readonly caSocket = path.join(this.dir, 'ca.sock');
  readonly tokenFile = path.join(this.dir, 'istio-token');
  readonly token = 'node-token-of-ztunnel';
  /** Workload tokens: token → the identity URI it proves (no impersonation). */
  readonly workloadTokens = new Map<string, string>();
  readonly store = new ResourceStore();
  /** Identities the CA was asked to sign, in order. */
  readonly issued: string[] = [];
  /** The bearer token of every xDS stream opened, in order ('' for none). */
  readonly xdsTokens: string[] = [];
  ca!: CertificateAuthority;
  #xdsServer: Server | undefined;
  #caServer: Server | undefined;
  #ads: DeltaAdsServer | undefined;

  async start(): Promise<void> {
    writeFileSync(this.tokenFile, `${this.token}\n`);
    this.ca = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
    await this.startXds();
    await this.startCa();
  }

  async startXds(): Promise<void> {
    const ads = new DeltaAdsServer({ source: this.store, logger: quiet, debounceMs: 10 });
    const server = new Server();
    const handlers: AggregatedDiscoveryServiceHandlers = {
      ...ads.implementation,
      DeltaAggregatedResources: (call) => {
        const token = bearer(call.metadata.get('authorization')[0]);
        this.xdsTokens.push(token);
        if (token !== this.token && !this.workloadTokens.has(token)) {
          call.emit('error', err(status.UNAUTHENTICATED, 'authentication failure'));
          return;
        }
        ads.implementation.DeltaAggregatedResources(call);
      },
    };
    server.addService(aggregatedDiscoveryServiceDefinition, handlers);
    await bind(server, `unix:${this.xdsSocket}`);
    ads.start();
    this.#ads = ads;
    this.#xdsServer = server;
  }

  /** Stops istiod's xDS (as if istiod went away); startXds() brings it back. */
  async stopXds(): Promise<void> {
    await this.#ads?.close();
    await shutdown(this.#xdsServer);
    this.#xdsServer = undefined;
    rmSync(this.xdsSocket, { force: true });
  }

  async startCa(): Promise<void> {
    const handlers: IstioCertificateServiceHandlers = {
      CreateCertificate: (call, callback) => {
        const token = bearer(call.metadata.get('authorization')[0]);
        const imp = call.request.metadata?.ImpersonatedIdentity;
        const own = this.workloadTokens.get(token);
        let uri: string;
        if (token === this.token && typeof imp === 'string') uri = imp;
        else if (own !== undefined && imp === undefined) uri = own;
        else {
          callback(err(status.UNAUTHENTICATED, 'authentication failure'));
          return;
        }
        const identity = parseIstioIdentity(uri);
        this.issued.push(identity.uri);
        this.ca
          .sign(call.request.csr, { identity, ttlSeconds: Number(call.request.validityDuration) })
          .then((chain) => {
            callback(null, create(caProto.IstioCertificateResponseSchema, { certChain: chain }));
          })
          .catch((e: unknown) => {
            callback(err(status.INVALID_ARGUMENT, (e as Error).message));
          });
      },
    };
    const server = new Server();
    server.addService(istioCertificateServiceDefinition, handlers);
    await bind(server, `unix:${this.caSocket}`);
    this.#caServer = server;
  }

  /** Environment for a ztunnel pointed at this control plane. */
  env(): Record<string, string> {
    return {
      XDS_ADDRESS: `unix:${this.xdsSocket}`,
      CA_ADDRESS: `unix:${this.caSocket}`,
      AUTH_TOKEN: this.tokenFile,
      ISTIO_META_CLUSTER_ID: 'Kubernetes',
    };
  }

  /** A token file for a workload that may ask for `identityUri` only (e.g. a waypoint). */
  workloadTokenFile(identityUri: string): string {
    const token = `token-of-${identityUri.replace(/[^a-z0-9]+/gi, '-')}`;
    this.workloadTokens.set(token, identityUri);
    const file = path.join(this.dir, `${token}.token`);
    writeFileSync(file, `${token}\n`);
    return file;
  }

  /** A WaypointListener, named as istiod names it (`<ns>/<hostname>:<port>`). */
  setListener(
    init: ListenerInit & { serviceNamespace: string; serviceHostname: string; port: number },
  ): void {
    this.store.set(WAYPOINT_LISTENER_TYPE_URL, {
      name: `${init.serviceNamespace}/${init.serviceHostname}:${init.port}`,
      resource: packAny(wp.WaypointListenerSchema, create(wp.WaypointListenerSchema, init)),
    });
  }

  removeListener(name: string): void {
    this.store.remove(WAYPOINT_LISTENER_TYPE_URL, name);
  }

  setWorkload(init: WorkloadInit & { uid: string }): void {
    this.store.set(ADDRESS_TYPE_URL, {
      name: init.uid,
      resource: packAny(
        wl.AddressSchema,
        create(wl.AddressSchema, {
          type: { case: 'workload', value: create(wl.WorkloadSchema, init) },
        }),
      ),
    });
  }

  setService(init: ServiceInit & { namespace: string; hostname: string }): void {
    this.store.set(ADDRESS_TYPE_URL, {
      name: `${init.namespace}/${init.hostname}`,
      resource: packAny(
        wl.AddressSchema,
        create(wl.AddressSchema, {
          type: { case: 'service', value: create(wl.ServiceSchema, init) },
        }),
      ),
    });
  }

  removeAddress(name: string): void {
    this.store.remove(ADDRESS_TYPE_URL, name);
  }

  setPolicy(init: PolicyInit & { namespace: string; name: string }): void {
    this.store.set(AUTHORIZATION_TYPE_URL, {
      name: `${init.namespace}/${init.name}`,
      resource: packAny(security.AuthorizationSchema, create(security.AuthorizationSchema, init)),
    });
  }

  removePolicy(key: string): void {
    this.store.remove(AUTHORIZATION_TYPE_URL, key);
  }

  async close(): Promise<void> {
    await this.#ads?.close();
    await shutdown(this.#xdsServer);
    await shutdown(this.#caServer);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function err(code: status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: undefined as never });
}

function bind(server: Server, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.bindAsync(target, ServerCredentials.createInsecure(), (e) => {
      if (e) reject(e);
      else resolve();
    });
  });
}

function shutdown(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.tryShutdown(() => {
      resolve();
    });
    setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 1000).unref();
  });
}
