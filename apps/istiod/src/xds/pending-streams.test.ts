import { describe, expect, it } from 'vitest';
import { resolveXdsAuthLimits, XdsAuthConfigError } from './auth-limits.js';
import { clientAddress, PendingStreams, XdsPendingLimitError } from './pending-streams.js';

const limits = resolveXdsAuthLimits({ maxPendingStreams: 4, maxPendingStreamsPerPeer: 2 });

describe('streams awaiting authentication', () => {
  it('refuses a third stream from one address, naming the per-peer cap', () => {
    const pending = new PendingStreams(limits);
    pending.admit('10.0.0.1');
    pending.admit('10.0.0.1');
    const third = pending.admit('10.0.0.1');

    expect(third).toBeInstanceOf(XdsPendingLimitError);
    expect((third as XdsPendingLimitError).limit).toBe('maxPendingStreamsPerPeer');
    expect(pending.admit('10.0.0.2')).toBeTypeOf('function');
  });

  it('refuses beyond the total from many addresses, naming the total cap', () => {
    const pending = new PendingStreams(limits);
    for (let i = 0; i < 4; i++) pending.admit(`10.0.0.${i}`);
    const fifth = pending.admit('10.0.0.9');

    expect(fifth).toBeInstanceOf(XdsPendingLimitError);
    expect((fifth as XdsPendingLimitError).message).toContain('maxPendingStreams (4)');
  });

  it('frees a slot once per release, however often release is called', () => {
    const pending = new PendingStreams(limits);
    const release = pending.admit('10.0.0.1');
    pending.admit('10.0.0.1');
    if (typeof release !== 'function') throw release;
    release();
    release();

    expect(pending.size).toBe(1);
    expect(pending.admit('10.0.0.1')).toBeTypeOf('function');
    expect(pending.admit('10.0.0.1')).toBeInstanceOf(XdsPendingLimitError);
  });

  it.each([
    ['127.0.0.1:5000', '127.0.0.1'],
    ['[::1]:5000', '::1'],
    ['::ffff:127.0.0.1:5000', '::ffff:127.0.0.1'],
    ['unknown', 'unknown'],
  ])('keys %s by its address %s', (peer, address) => {
    expect(clientAddress(peer)).toBe(address);
  });

  it('rejects limits that are not positive integers or a per-peer cap above the total', () => {
    expect(() => resolveXdsAuthLimits({ maxPendingStreams: 0 })).toThrow(XdsAuthConfigError);
    expect(() => resolveXdsAuthLimits({ firstRequestTimeoutMs: 1.5 })).toThrow(/positive integer/);
    expect(() =>
      resolveXdsAuthLimits({ maxPendingStreams: 2, maxPendingStreamsPerPeer: 3 }),
    ).toThrow(/exceeds maxPendingStreams/);
  });
});
