import { describe, expect, it } from 'vitest';
import { summarizeTraffic, TrafficLoop, type CallRecord } from './traffic-loop.js';

const rec = (startedAt: number, ok: boolean): CallRecord => ({
  startedAt,
  endedAt: startedAt + 5,
  ok,
  detail: ok ? '200' : 'curl: (56) Recv failure',
});

describe('continuous traffic', () => {
  it('separates failures before the component was Ready from failures after', () => {
    const s = summarizeTraffic(
      [rec(0, true), rec(10, false), rec(20, false), rec(30, true), rec(40, false)],
      30,
    );
    expect(s.total).toBe(5);
    expect(s.failedBeforeReady).toBe(2);
    expect(s.okAfterReady).toBe(1);
    expect(s.failedAfterReady.map((r) => r.startedAt)).toEqual([40]);
  });

  it('records every call, thrown errors as failures, until stopped', async () => {
    let n = 0;
    const loop = new TrafficLoop(async () => {
      n++;
      await Promise.resolve();
      if (n === 2) throw new Error('exec failed');
      return { ok: true, detail: '200' };
    }, 1);
    loop.start();
    while (loop.records.length < 4) await new Promise((r) => setTimeout(r, 2));
    const records = await loop.stop();
    expect(records.length).toBeGreaterThanOrEqual(4);
    expect(records[1]).toMatchObject({ ok: false, detail: 'exec failed' });
    const after = records.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(loop.records.length).toBe(after);
  });
});
