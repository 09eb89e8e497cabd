// Owns the CA for the process: loads or creates the key material, follows the
// `cacerts` / `istio-ca-secret` Secrets for rotation, keeps istiod's own
// serving certificate fresh (half-life renewal, reissued on a new root) for
// the TLS gRPC server, and publishes the roots to every namespace.

import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { CertificateAuthority } from '@ambient-ts/spiffe';
import type { KubeApi } from '../kube/kube-api.js';
import type { ObjectStore } from '../kube/object-store.js';
import type { Secret } from '../kube/objects.js';
import { backoffDelay, KUBE_BACKOFF, sleep } from '../runtime/backoff.js';
import { errorMessage, type Logger } from '../runtime/logger.js';
import {
  loadCa,
  PLUGIN_SECRET,
  SELF_SIGNED_SECRET,
  type CaMaterialOptions,
  type LoadedCa,
} from './ca-material.js';
import type { RootCertPublisher } from './root-cert-publisher.js';
import { issueServingCertificate, type ServingCertificate } from './serving-cert.js';

type IdentityListener = experimental.IdentityCertificateUpdateListener;
type CaListener = experimental.CaCertificateUpdateListener;

/**
 * A grpc-js CertificateProvider whose identity we replace at will, and whose
 * CA certificate is the mesh root: :15012 asks clients for a certificate
 * (optional — proxies may authenticate with a token instead) and TLS verifies
 * one against the root before xDS reads its SPIFFE identity.
 */
class ServingCertificateProvider implements experimental.CertificateProvider {
  private latest: experimental.IdentityCertificateUpdate | null = null;
  private root: experimental.CaCertificateUpdate | null = null;
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly caListeners = new Set<CaListener>();

  update(cert: ServingCertificate): void {
    this.latest = {
      certificate: Buffer.from(cert.certChainPem),
      privateKey: Buffer.from(cert.privateKeyPem),
    };
    for (const l of this.identityListeners) l(this.latest);
  }

  setRoot(rootPem: string): void {
    this.root = { caCertificate: Buffer.from(rootPem) };
    for (const l of this.caListeners) l(this.root);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    // Later on purpose, as for the identity below.
    queueMicrotask(() => {
      if (this.root && this.caListeners.has(listener)) listener(this.root);
    });
  }
  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }
  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    // Delivered later on purpose: grpc-js registers its own watcher only after
    // this call returns, and would miss a synchronous update.
    queueMicrotask(() => {
      if (this.latest && this.identityListeners.has(listener)) listener(this.latest);
    });
  }
  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }
}

export interface CaControllerOptions {
  readonly api: KubeApi;
  readonly material: CaMaterialOptions;
  /** Secrets in istiod's namespace (an informer scoped to it). */
  readonly secrets: ObjectStore<Secret>;
  readonly publisher: RootCertPublisher;
  readonly dnsNames: readonly string[];
  /** Lifetime of istiod's serving certificate. */
  readonly servingTtlSeconds: number;
  readonly logger: Logger;
  /** Root expiry, for citadel_server_root_cert_expiry_timestamp. */
  readonly onRoot?: (rootPem: string) => void;
}

export class CaController {
  private loaded: LoadedCa | undefined;
  private readonly provider = new ServingCertificateProvider();
  private renewTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly abort = new AbortController();
  private reloading: Promise<void> = Promise.resolve();

  constructor(private readonly options: CaControllerOptions) {}

  /** The current CA (undefined until start() resolves). */
  get authority(): CertificateAuthority | undefined {
    return this.loaded?.authority;
  }

  /** Server credentials for :15012 that follow serving-certificate renewals. */
  serverCredentials(): ServerCredentials {
    // grpc-js's factory takes the identity provider, then the CA provider
    // (client certificates requested and verified against the mesh root), then
    // whether a client certificate is required (no: tokens are accepted too).
    return experimental.createCertificateProviderServerCredentials(
      this.provider,
      this.provider,
      false,
    );
  }

  /** Loads the CA (retrying until the API server answers), then follows the Secrets. */
  async start(signal?: AbortSignal): Promise<void> {
    signal?.addEventListener(
      'abort',
      () => {
        this.close();
      },
      { once: true },
    );
    const { logger } = this.options;
    for (let attempt = 0; !this.abort.signal.aborted; attempt += 1) {
      try {
        await this.install(await loadCa(this.options.api, this.options.material, logger));
        break;
      } catch (error) {
        const delay = backoffDelay(attempt, KUBE_BACKOFF, Math.random);
        logger.error(
          { error: errorMessage(error), retryInMs: delay },
          'cannot load the CA; retrying',
        );
        await sleep(delay, this.abort.signal);
      }
    }
    this.unsubscribe = this.options.secrets.subscribe((e) => {
      const name = e.object.metadata.name;
      if (name !== PLUGIN_SECRET && name !== SELF_SIGNED_SECRET) return;
      if (e.type !== 'delete' && e.object.metadata.resourceVersion === this.loaded?.resourceVersion)
        return;
      this.reloading = this.reloading.then(() => this.reload());
    });
  }

  close(): void {
    this.abort.abort();
    this.unsubscribe?.();
    if (this.renewTimer) clearTimeout(this.renewTimer);
  }

  private async reload(): Promise<void> {
    if (this.abort.signal.aborted) return;
    try {
      const next = await loadCa(this.options.api, this.options.material, this.options.logger);
      if (
        next.resourceVersion === this.loaded?.resourceVersion &&
        next.source === this.loaded.source
      )
        return;
      this.options.logger.info({ source: next.source }, 'CA material changed; reloading the CA');
      await this.install(next);
    } catch (error) {
      this.options.logger.error(
        { error: errorMessage(error) },
        'CA Secret changed but cannot be loaded; keeping the current CA',
      );
    }
  }

  private async install(next: LoadedCa): Promise<void> {
    this.loaded = next;
    const root = next.authority.rootCertPem;
    this.options.publisher.setRoot(root);
    this.provider.setRoot(root);
    this.options.onRoot?.(root);
    await this.renewServingCertificate();
  }

  private async renewServingCertificate(): Promise<void> {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    const authority = this.loaded?.authority;
    if (!authority || this.abort.signal.aborted) return;
    const data = authority.exportSecretData();
    try {
      const cert = await issueServingCertificate(
        data,
        this.options.dnsNames,
        this.options.servingTtlSeconds,
      );
      this.provider.update(cert);
      const halfLife = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 2;
      const renewAt = cert.notBefore.getTime() + halfLife;
      this.schedule(Math.max(1000, renewAt - Date.now()));
      this.options.logger.info(
        { dnsNames: this.options.dnsNames, notAfter: cert.notAfter.toISOString() },
        'issued istiod serving certificate',
      );
    } catch (error) {
      this.options.logger.error(
        { error: errorMessage(error) },
        'cannot issue the serving certificate; retrying in 30s',
      );
      this.schedule(30_000);
    }
  }

  private schedule(ms: number): void {
    // Node timers overflow above ~24.8 days; re-arm in steps.
    const step = Math.min(ms, 2 ** 31 - 1);
    this.renewTimer = setTimeout(() => {
      if (step < ms) this.schedule(ms - step);
      else void this.renewServingCertificate();
    }, step);
    this.renewTimer.unref();
  }
}
