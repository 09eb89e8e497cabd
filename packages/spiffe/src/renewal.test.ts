import { X509Certificate } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CertificateAuthority } from './certificate-authority.js';
import type { Clock } from './clock.js';
import { createCsr } from './csr.js';
import { generateWorkloadKey } from './keys.js';
import {
  renewalTime,
  RenewalError,
  RenewingCertificate,
  type IssuedCertificate,
  type RenewalEvent,
  type Timers,
} from './renewal.js';
import { istioIdentity, type SpiffeId } from './spiffe-id.js';

const HOUR = 3600_000;
const reviews = istioIdentity('cluster.local', 'bookinfo', 'reviews');

/** A manual clock and timer queue: time moves only when the test says so. */
class FakeTime implements Clock, Timers {
  #now: number;
  #nextId = 1;
  readonly pending = new Map<number, { at: number; fn: () => void }>();
  constructor(start: number) {
    this.#now = start;
  }
  now(): Date {
    return new Date(this.#now);
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.pending.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** The delay of the single pending timer. */
  nextDelay(): number | undefined {
    const ats = [...this.pending.values()].map((p) => p.at - this.#now);
    return ats.length ? Math.min(...ats) : undefined;
  }
  /** Advances time, firing due timers in order; lets promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, p]) => p.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
      for (let i = 0; i < 20; i++) await Promise.resolve();
      await new Promise((r) => setImmediate(r));
    }
    this.#now = end;
  }
}

describe('renewalTime', () => {
  let ca: CertificateAuthority;
  beforeAll(async () => {
    ca = await CertificateAuthority.selfSigned();
  });

  it('is the half-life: notBefore + (notAfter - notBefore) / 2', async () => {
    const [leafPem] = await ca.sign(await createCsr(reviews, await generateWorkloadKey()), {
      identity: reviews,
    });
    const leaf = new X509Certificate(leafPem!);
    const nb = Date.parse(leaf.validFrom);
    const na = Date.parse(leaf.validTo);
    expect(renewalTime(leafPem!).getTime()).toBe(nb + (na - nb) / 2);
    expect(renewalTime(leaf).getTime()).toBe(nb + (na - nb) / 2);
    // For istiod's leaves (backdated 2 min, 24 h TTL) that is 11 h 59 min after issue.
    expect(renewalTime(leafPem!).getTime() - (nb + 2 * 60_000)).toBe(12 * HOUR - 60_000);
  });
});

describe('RenewingCertificate', () => {
  let ca: CertificateAuthority;
  let time = new FakeTime(Date.now());
  let issuedCount = 0;

  /** Issues through a CA whose clock is the fake clock. */
  async function issue(id: SpiffeId = reviews, ttlSeconds = 24 * 3600): Promise<IssuedCertificate> {
    const key = await generateWorkloadKey();
    issuedCount++;
    return {
      chainPem: await ca.sign(await createCsr(id, key), { identity: id, ttlSeconds }),
      privateKeyPem: key.privateKeyPem,
    };
  }

  beforeAll(async () => {
    // The CA reads whichever fake clock the current test uses.
    ca = await CertificateAuthority.selfSigned({ clock: { now: () => time.now() } });
  });
  beforeEach(() => {
    // Certificates must be valid around the fake "now", so start at the real time.
    time = new FakeTime(Date.now());
  });

  it('has nothing to serve and wants a certificate before the first one arrives', () => {
    const holder = new RenewingCertificate({ clock: time, timers: time });
    expect(holder.current()).toBeUndefined();
    expect(holder.shouldRenew()).toBe(true);
  });

  it('serves the old certificate until the new one arrives, and renews at half-life', async () => {
    const events: RenewalEvent[] = [];
    let release: ((c: IssuedCertificate) => void) | undefined;
    const holder = new RenewingCertificate({
      clock: time,
      timers: time,
      renew: () =>
        new Promise<IssuedCertificate>((resolve) => {
          release = resolve;
        }),
      onEvent: (e) => events.push(e),
    });
    const first = holder.replace(await issue());
    expect(holder.current()).toBe(first);
    expect(holder.shouldRenew()).toBe(false);
    const untilRenew = first.renewAt.getTime() - time.now().getTime();
    expect(time.nextDelay()).toBe(untilRenew);

    await time.advance(untilRenew - 1);
    expect(release).toBeUndefined();
    await time.advance(1);
    expect(holder.shouldRenew()).toBe(true);
    expect(release).toBeDefined(); // renewal requested at half-life
    expect(holder.current()).toBe(first); // still serving the old one

    const second = await issue();
    release!(second);
    await vi.waitFor(() => {
      expect(holder.current()?.chainPem).toEqual(second.chainPem);
    });
    expect(holder.shouldRenew()).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['renewed']);
    holder.close();
  });

  it('retries a failed renewal with growing, capped backoff and keeps serving meanwhile', async () => {
    const events: RenewalEvent[] = [];
    let fail = true;
    const holder = new RenewingCertificate({
      clock: time,
      timers: time,
      random: () => 0.5, // no jitter
      backoff: { initialMs: 1000, factor: 2, jitter: 0.2, maxMs: 5000 },
      renew: async () => {
        if (fail) throw new Error('istiod unavailable');
        return issue();
      },
      onEvent: (e) => events.push(e),
    });
    const first = holder.replace(await issue());
    await time.advance(first.renewAt.getTime() - time.now().getTime());
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const last = events[events.length - 1];
      expect(last?.type).toBe('renewal-failed');
      delays.push((last as { retryInMs: number }).retryInMs);
      expect(holder.current()).toBe(first);
      await time.advance(time.nextDelay()!);
    }
    expect(delays).toEqual([1000, 2000, 4000, 5000]);
    fail = false;
    await time.advance(time.nextDelay()!);
    await vi.waitFor(() => {
      expect(events[events.length - 1]?.type).toBe('renewed');
    });
    expect(holder.current()).not.toBe(first);
    holder.close();
  });

  it('applies jitter within ±20 %', async () => {
    const events: RenewalEvent[] = [];
    for (const r of [0, 0.999]) {
      const holder = new RenewingCertificate({
        clock: time,
        timers: time,
        random: () => r,
        backoff: { initialMs: 1000, factor: 2, jitter: 0.2, maxMs: 150_000 },
        renew: () => Promise.reject(new Error('down')),
        onEvent: (e) => events.push(e),
      });
      await holder.renewNow().catch(() => undefined);
      holder.close();
    }
    const [low, high] = events.map((e) => (e as { retryInMs: number }).retryInMs);
    expect(low).toBe(800);
    expect(high).toBe(1200);
  });

  it('stops serving (fails closed) once the certificate expires without a renewal', async () => {
    const holder = new RenewingCertificate({ clock: time, timers: time });
    const cert = holder.replace(await issue(reviews, 3600));
    await time.advance(cert.notAfter.getTime() - time.now().getTime());
    expect(holder.current()).toBe(cert);
    await time.advance(1000);
    expect(holder.current()).toBeUndefined();
    expect(holder.shouldRenew()).toBe(true);
  });

  it('shares one request between concurrent renewNow calls', async () => {
    const before = issuedCount;
    const holder = new RenewingCertificate({ clock: time, timers: time, renew: () => issue() });
    const [a, b] = await Promise.all([holder.renewNow(), holder.renewNow()]);
    expect(a).toBe(b);
    expect(issuedCount - before).toBe(1);
    holder.close();
  });

  it('start() fetches immediately when there is no certificate', async () => {
    const holder = new RenewingCertificate({ clock: time, timers: time, renew: () => issue() });
    holder.start();
    expect(time.nextDelay()).toBe(0);
    await time.advance(0);
    await vi.waitFor(() => {
      expect(holder.current()?.identity.uri).toBe(reviews.uri);
    });
    holder.close();
    expect(time.pending.size).toBe(0);
  });

  it('refuses a certificate for another identity, a wrong key, or an older certificate', async () => {
    const holder = new RenewingCertificate({ clock: time, timers: time });
    const good = await issue();
    holder.replace(good);
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return err instanceof RenewalError ? err.code : 'other';
      }
      return undefined;
    };
    const other = await issue(istioIdentity('cluster.local', 'bookinfo', 'ratings'));
    expect(codeOf(() => holder.replace(other))).toBe('IDENTITY_CHANGED');
    const wrongKey = {
      chainPem: good.chainPem,
      privateKeyPem: (await generateWorkloadKey()).privateKeyPem,
    };
    expect(codeOf(() => holder.replace(wrongKey))).toBe('KEY_MISMATCH');
    const shorter = await issue(reviews, 3600);
    expect(codeOf(() => holder.replace(shorter))).toBe('STALE_CERTIFICATE');
    expect(codeOf(() => holder.replace({ chainPem: ['junk'], privateKeyPem: '' }))).toBe(
      'BAD_CERTIFICATE',
    );
    expect(holder.current()?.chainPem).toEqual(good.chainPem);
  });

  it('re-arms waits longer than the Node timer limit', async () => {
    const holder = new RenewingCertificate({ clock: time, timers: time, renew: () => issue() });
    const long = holder.replace(await issue(reviews, 80 * 24 * 3600)); // half-life 40 days
    expect(time.nextDelay()).toBe(2 ** 31 - 1);
    await time.advance(2 ** 31 - 1);
    expect(holder.current()).toBe(long); // not renewed early
    expect(time.nextDelay()).toBe(long.renewAt.getTime() - time.now().getTime());
    holder.close();
  });
});
