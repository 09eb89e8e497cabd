// One certificate per identity (never per pod): fetched when the first user
// of that identity needs it, renewed at half-life, served while still valid
// when renewal fails, and forgotten when no user has the identity any more.
// A node proxy (ztunnel) wants its local pods' identities; a proxy with one
// identity (a waypoint) just asks for its own. Built on spiffe's
// RenewingCertificate, which owns the timing.

import { parseIstioIdentity, RenewingCertificate, type SpiffeId } from '@ambient-ts/spiffe';
import type { CertificateSource, WorkloadCertificate } from './ca-client.js';

export interface CertificateLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

/** One identity's certificate, as /config_dump shows it. */
export interface CertificateDump {
  readonly identity: string;
  readonly state: 'Available' | 'Initializing' | 'Unavailable';
  readonly certChain: readonly {
    readonly pem: string;
    readonly validFrom: string;
    readonly expirationTime: string;
  }[];
}

interface Entry {
  readonly identity: SpiffeId;
  readonly holder: RenewingCertificate;
  latest: WorkloadCertificate | undefined;
  lastError: string | undefined;
  readonly listeners: Set<(cert: WorkloadCertificate) => void>;
}

export class CertificateManager {
  readonly #source: CertificateSource;
  readonly #log: CertificateLogger;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(source: CertificateSource, logger: CertificateLogger) {
    this.#source = source;
    this.#log = logger;
  }

  /**
   * Sets the identities needed (ztunnel: its local pods'). New ones are fetched now (prefetch,
   * so the first connection does not wait); ones no longer needed are dropped.
   */
  setWanted(uris: Iterable<string>): void {
    if (this.#closed) return;
    const wanted = new Set(uris);
    for (const [uri, e] of this.#entries) {
      if (!wanted.has(uri)) {
        e.holder.close();
        this.#entries.delete(uri);
        this.#log.info({ identity: uri }, 'certificate forgotten: no local pod has this identity');
      }
    }
    for (const uri of wanted) this.#entry(uri);
  }

  /** The current certificate, fetching it if there is none yet; rejects if the CA fails. */
  async get(uri: string): Promise<WorkloadCertificate> {
    const e = this.#entry(uri);
    const current = e.holder.current();
    if (current && e.latest) return e.latest;
    await e.holder.renewNow();
    if (!e.latest) throw new Error(`no certificate for ${uri}`);
    return e.latest;
  }

  /** Called after each renewal of `uri` (e.g. to rotate a listening HBONE server). */
  onRenewed(uri: string, listener: (cert: WorkloadCertificate) => void): () => void {
    const e = this.#entry(uri);
    e.listeners.add(listener);
    return () => e.listeners.delete(listener);
  }

  identities(): string[] {
    return [...this.#entries.keys()].sort();
  }

  dump(): CertificateDump[] {
    return [...this.#entries.values()]
      .sort((a, b) => a.identity.uri.localeCompare(b.identity.uri))
      .map((e) => {
        const cur = e.holder.current();
        return {
          identity: e.identity.uri,
          state: cur ? 'Available' : e.lastError ? 'Unavailable' : 'Initializing',
          certChain: cur
            ? [
                {
                  pem: cur.chainPem[0] ?? '',
                  validFrom: cur.notBefore.toISOString(),
                  expirationTime: cur.notAfter.toISOString(),
                },
              ]
            : [],
        };
      });
  }

  close(): void {
    this.#closed = true;
    for (const e of this.#entries.values()) e.holder.close();
    this.#entries.clear();
  }

  #entry(uri: string): Entry {
    const existing = this.#entries.get(uri);
    if (existing) return existing;
    const identity = parseIstioIdentity(uri);
    // `entry` is referenced by the renew closure; it exists before the first call.
    const entry: Entry = {
      identity,
      latest: undefined,
      lastError: undefined,
      listeners: new Set(),
      holder: new RenewingCertificate({
        renew: async () => {
          const cert = await this.#source.fetch(identity);
          entry.latest = cert;
          return { chainPem: cert.fullChainPem, privateKeyPem: cert.keyPem };
        },
        onEvent: (ev) => {
          if (ev.type === 'renewed') {
            entry.lastError = undefined;
            this.#log.info(
              { identity: uri, expires: ev.certificate.notAfter.toISOString() },
              'certificate issued',
            );
            const cert = entry.latest;
            if (cert) for (const l of entry.listeners) l(cert);
          } else {
            entry.lastError = (ev.error as Error).message;
            this.#log.warn(
              { identity: uri, error: entry.lastError, retryInMs: ev.retryInMs },
              'certificate request failed; keeping the current certificate while it is valid',
            );
          }
        },
      }),
    };
    this.#entries.set(uri, entry);
    if (!this.#closed) entry.holder.start();
    return entry;
  }
}
