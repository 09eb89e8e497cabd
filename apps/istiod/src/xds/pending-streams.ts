// Admission of streams into the authentication phase, counted in total and
// per client address. A slot is held until the stream's authentication has
// settled (not merely until the stream closes): a client that cancels and
// reopens must not leave TokenReviews running beyond the cap.

import type { XdsAuthLimits } from './auth-limits.js';

export type PendingLimitName = 'maxPendingStreams' | 'maxPendingStreamsPerPeer';

/** A stream refused because too many are awaiting authentication. */
export class XdsPendingLimitError extends Error {
  override readonly name = 'XdsPendingLimitError';
  constructor(
    readonly limit: PendingLimitName,
    readonly value: number,
    detail: string,
  ) {
    super(`xDS limit ${limit} (${value}) exceeded: ${detail}`);
  }
}

/** `1.2.3.4:5678` → `1.2.3.4`, `[::1]:5678` → `::1`; anything else stays whole. */
export function clientAddress(peer: string): string {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(peer);
  return m?.[1] ?? peer;
}

export class PendingStreams {
  private total = 0;
  private readonly perPeer = new Map<string, number>();

  constructor(private readonly limits: XdsAuthLimits) {}

  get size(): number {
    return this.total;
  }

  /** A release function for the slot taken, or why none is free. */
  admit(address: string): (() => void) | XdsPendingLimitError {
    const { maxPendingStreams, maxPendingStreamsPerPeer } = this.limits;
    if (this.total >= maxPendingStreams) {
      return new XdsPendingLimitError(
        'maxPendingStreams',
        maxPendingStreams,
        `${this.total} xDS streams are awaiting authentication; retry later or against another istiod`,
      );
    }
    const fromPeer = this.perPeer.get(address) ?? 0;
    if (fromPeer >= maxPendingStreamsPerPeer) {
      return new XdsPendingLimitError(
        'maxPendingStreamsPerPeer',
        maxPendingStreamsPerPeer,
        `${address} already has ${fromPeer} xDS streams awaiting authentication; a proxy needs one`,
      );
    }
    this.total += 1;
    this.perPeer.set(address, fromPeer + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perPeer.get(address) ?? 1) - 1;
      if (left > 0) this.perPeer.set(address, left);
      else this.perPeer.delete(address);
    };
  }
}
