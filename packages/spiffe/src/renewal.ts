// Certificate renewal: when (half-life, as ztunnel) and a holder that keeps
// serving the current certificate until its replacement arrives, retrying
// failed renewals with ztunnel's backoff. Time and timers are injected so the
// whole life cycle runs in unit tests without waiting.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { certFacts } from './cert-facts.js';
import { systemClock, type Clock } from './clock.js';
import { splitPemCertificates } from './pem.js';
import type { SpiffeId } from './spiffe-id.js';
import { leafIdentity } from './svid-rules.js';

/** notBefore + (notAfter − notBefore) / 2 of the (first) certificate. */
export function renewalTime(cert: string | X509Certificate): Date {
  const node =
    typeof cert === 'string' ? new X509Certificate(splitPemCertificates(cert)[0] ?? cert) : cert;
  const facts = certFacts(node);
  return new Date(facts.notBeforeMs + Math.floor((facts.notAfterMs - facts.notBeforeMs) / 2));
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A pending renewal must not keep a process alive on shutdown.
    t.unref();
    return t;
  },
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** What a CA returns for one identity: chain leaf..root and the leaf's key. */
export interface IssuedCertificate {
  readonly chainPem: readonly string[];
  readonly privateKeyPem: string;
}

export interface ServingCertificate extends IssuedCertificate {
  readonly identity: SpiffeId;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly renewAt: Date;
}

export interface Backoff {
  readonly initialMs: number;
  readonly factor: number;
  /** ± fraction applied to each delay. */
  readonly jitter: number;
  readonly maxMs: number;
}

/** ztunnel's per-identity retry: ~0.5–1 s initial, ×2, jitter 0.2, at most 150 s. */
export const ZTUNNEL_BACKOFF: Backoff = { initialMs: 750, factor: 2, jitter: 0.2, maxMs: 150_000 };

export type RenewalEvent =
  | { readonly type: 'renewed'; readonly certificate: ServingCertificate }
  | { readonly type: 'renewal-failed'; readonly error: unknown; readonly retryInMs: number };

export type RenewalErrorCode =
  'BAD_CERTIFICATE' | 'KEY_MISMATCH' | 'IDENTITY_CHANGED' | 'STALE_CERTIFICATE' | 'CLOSED';

export class RenewalError extends Error {
  override readonly name = 'RenewalError';
  constructor(
    readonly code: RenewalErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RenewingCertificateOptions {
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Fetches a fresh certificate (new key + CSR + CA call). Without it the holder only tracks. */
  readonly renew?: () => Promise<IssuedCertificate>;
  readonly backoff?: Backoff;
  /** Uniform [0, 1); injected for deterministic jitter in tests. */
  readonly random?: () => number;
  readonly onEvent?: (event: RenewalEvent) => void;
}

/** Node timers overflow above 2^31−1 ms (~24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class RenewingCertificate {
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #renew: (() => Promise<IssuedCertificate>) | undefined;
  readonly #backoff: Backoff;
  readonly #random: () => number;
  readonly #onEvent: (event: RenewalEvent) => void;
  #current: ServingCertificate | undefined;
  #timer: unknown;
  #inFlight: Promise<ServingCertificate> | undefined;
  #failures = 0;
  #closed = false;

  constructor(opts: RenewingCertificateOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#timers = opts.timers ?? systemTimers;
    this.#renew = opts.renew;
    this.#backoff = opts.backoff ?? ZTUNNEL_BACKOFF;
    this.#random = opts.random ?? Math.random;
    this.#onEvent =
      opts.onEvent ??
      (() => {
        /* no listener */
      });
  }

  /** The certificate to serve, or undefined when there is none or it has expired (fail closed). */
  current(): ServingCertificate | undefined {
    const cur = this.#current;
    if (!cur) return undefined;
    const now = this.#clock.now().getTime();
    if (now > cur.notAfter.getTime()) return undefined;
    return cur;
  }

  /** True when there is no usable certificate or its half-life has passed. */
  shouldRenew(now: Date = this.#clock.now()): boolean {
    const cur = this.#current;
    return !cur || now.getTime() >= cur.renewAt.getTime() || now.getTime() > cur.notAfter.getTime();
  }

  /**
   * Installs a newly issued certificate after checking it (leaf parses and is
   * an SVID, key matches, same identity as before, not older than the
   * current one), then schedules its renewal.
   */
  replace(issued: IssuedCertificate): ServingCertificate {
    if (this.#closed) throw new RenewalError('CLOSED', 'the certificate holder is closed');
    const next = this.#inspect(issued);
    const cur = this.#current;
    if (cur && cur.identity.uri !== next.identity.uri) {
      throw new RenewalError(
        'IDENTITY_CHANGED',
        `the new certificate is for ${next.identity.uri}, the holder serves ${cur.identity.uri}`,
      );
    }
    if (cur && next.notAfter.getTime() < cur.notAfter.getTime()) {
      throw new RenewalError(
        'STALE_CERTIFICATE',
        `the new certificate expires ${next.notAfter.toISOString()}, before the current one (${cur.notAfter.toISOString()})`,
      );
    }
    this.#current = next;
    this.#failures = 0;
    this.#schedule(next.renewAt.getTime() - this.#clock.now().getTime());
    return next;
  }

  /**
   * Renews now (e.g. a connection is waiting and there is no certificate).
   * Concurrent calls share one request.
   */
  renewNow(): Promise<ServingCertificate> {
    if (this.#closed)
      return Promise.reject(new RenewalError('CLOSED', 'the certificate holder is closed'));
    const renew = this.#renew;
    if (!renew)
      return Promise.reject(
        new RenewalError('CLOSED', 'no renew function was given to the holder'),
      );
    this.#inFlight ??= (async () => {
      try {
        const issued = await renew();
        if (this.#closed)
          throw new RenewalError('CLOSED', 'the certificate holder was closed during renewal');
        const cert = this.replace(issued);
        this.#onEvent({ type: 'renewed', certificate: cert });
        return cert;
      } catch (err) {
        if (!this.#closed) {
          const retryInMs = this.#nextBackoff();
          this.#schedule(retryInMs);
          this.#onEvent({ type: 'renewal-failed', error: err, retryInMs });
        }
        throw err;
      } finally {
        this.#inFlight = undefined;
      }
    })();
    return this.#inFlight;
  }

  /** Fetches the first certificate when there is none (or schedules renewal of the one given). */
  start(): void {
    if (this.#closed || !this.#renew) return;
    const cur = this.#current;
    this.#schedule(cur ? cur.renewAt.getTime() - this.#clock.now().getTime() : 0);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #inspect(issued: IssuedCertificate): ServingCertificate {
    const leafPem = issued.chainPem[0];
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(leafPem ?? '');
    } catch (err) {
      throw new RenewalError(
        'BAD_CERTIFICATE',
        `the issued chain's first element is not a certificate: ${(err as Error).message}`,
      );
    }
    let identity: SpiffeId;
    try {
      identity = leafIdentity(certFacts(leaf));
    } catch (err) {
      throw new RenewalError(
        'BAD_CERTIFICATE',
        `the issued leaf is not a valid SVID: ${(err as Error).message}`,
      );
    }
    let matches: boolean;
    try {
      matches = leaf.checkPrivateKey(createPrivateKey(issued.privateKeyPem));
    } catch {
      matches = false;
    }
    if (!matches) {
      throw new RenewalError(
        'KEY_MISMATCH',
        `the private key does not belong to the issued leaf for ${identity.uri}`,
      );
    }
    const facts = certFacts(leaf);
    return Object.freeze({
      chainPem: Object.freeze([...issued.chainPem]),
      privateKeyPem: issued.privateKeyPem,
      identity,
      notBefore: new Date(facts.notBeforeMs),
      notAfter: new Date(facts.notAfterMs),
      renewAt: renewalTime(leaf),
    });
  }

  #nextBackoff(): number {
    const b = this.#backoff;
    const base = Math.min(b.maxMs, b.initialMs * b.factor ** this.#failures);
    this.#failures++;
    const jittered = base * (1 + b.jitter * (2 * this.#random() - 1));
    return Math.round(Math.min(b.maxMs, Math.max(0, jittered)));
  }

  #schedule(delayMs: number): void {
    if (this.#closed || !this.#renew) return;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    const wait = Math.max(0, delayMs);
    const dueAt = this.#clock.now().getTime() + wait;
    this.#timer = this.#timers.setTimeout(
      () => {
        this.#timer = undefined;
        const remaining = dueAt - this.#clock.now().getTime();
        if (remaining > 0) {
          this.#schedule(remaining); // re-armed long wait, or a timer that fired early
          return;
        }
        this.renewNow().catch(() => {
          /* reported through onEvent, retried by #schedule */
        });
      },
      Math.min(wait, MAX_TIMER_MS),
    );
  }
}
