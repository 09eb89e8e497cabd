import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startKeepalive, type PingableSession } from './keepalive.js';
import { ManualTimers } from './test-support/manual-timers.js';

class FakeSession extends EventEmitter {
  destroyed = false;
  destroyedWith: Error | undefined;
  pings: ((err: Error | null, duration: number, payload: Buffer) => void)[] = [];
  ping(cb: (err: Error | null, duration: number, payload: Buffer) => void): boolean {
    this.pings.push(cb);
    return true;
  }
  destroy(err?: Error): void {
    this.destroyed = true;
    this.destroyedWith = err;
    this.emit('close');
  }
  answer(): void {
    this.pings.shift()?.(null, 1, Buffer.alloc(8));
  }
}

function start(session: FakeSession, timers: ManualTimers): void {
  startKeepalive(session as unknown as PingableSession, {
    intervalMs: 10_000,
    timeoutMs: 20_000,
    timers,
  });
}

describe('PING keepalive', () => {
  it('pings every interval while the peer answers', () => {
    const timers = new ManualTimers();
    const s = new FakeSession();
    start(s, timers);
    for (let i = 0; i < 10; i++) {
      timers.advance(10_000);
      expect(s.pings).toHaveLength(1);
      s.answer();
    }
    expect(s.destroyed).toBe(false);
  });

  it('drops the connection when a PING stays unanswered for the timeout', () => {
    const timers = new ManualTimers();
    const s = new FakeSession();
    start(s, timers);
    timers.advance(10_000); // PING sent
    timers.advance(19_999);
    expect(s.destroyed).toBe(false);
    timers.advance(10_000); // 20 s after the PING at the next tick
    expect(s.destroyed).toBe(true);
    expect(s.destroyedWith?.message).toMatch(/PING unanswered for 20000 ms/);
  });

  it('does not send a second PING while one is outstanding', () => {
    const timers = new ManualTimers();
    const s = new FakeSession();
    start(s, timers);
    timers.advance(15_000);
    expect(s.pings).toHaveLength(1);
  });

  it('stops its timer when the session closes', () => {
    const timers = new ManualTimers();
    const s = new FakeSession();
    start(s, timers);
    expect(timers.pending).toBe(1);
    s.emit('close');
    timers.advance(60_000);
    expect(timers.pending).toBe(0);
    expect(s.pings).toHaveLength(0);
  });
});
