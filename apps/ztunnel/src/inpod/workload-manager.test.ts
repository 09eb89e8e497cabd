import { openNetns, type NetnsFd } from '@ambient-ts/linux-sockets';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../telemetry/logging.js';
import { ZtunnelMetrics } from '../telemetry/metrics.js';
import { WorkloadProxyManager, type ManagedProxy } from './workload-manager.js';

const quiet: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  isLevelEnabled: () => false,
};
// Our own network namespace stands in for a pod's: only its inode matters here.
const netns = (): NetnsFd => openNetns({ path: '/proc/self/ns/net' });
const info = (uid: string) => ({ uid, name: uid, namespace: 'ns', serviceAccount: 'sa' });

function manager(failing: Set<string>) {
  const events: string[] = [];
  const m = new WorkloadProxyManager({
    logger: quiet,
    metrics: new ZtunnelMetrics(),
    drainMs: 10,
    retryMs: 60_000,
    createProxy: (i): ManagedProxy => ({
      start: () => {
        if (failing.has(i.uid)) throw new Error('bind [::1]:15053: EADDRNOTAVAIL');
        events.push(`start ${i.uid}`);
      },
      stop: () => {
        events.push(`stop ${i.uid}`);
        return Promise.resolve();
      },
    }),
  });
  return { m, events };
}

describe('the workload proxy manager', () => {
  it('is ready only after a snapshot, and not while a pod is pending', () => {
    const failing = new Set(['bad']);
    const { m } = manager(failing);
    m.connectionStarted();
    expect(m.add(info('good'), netns())).toBe('');
    expect(m.add(info('bad'), netns())).toBe(
      'failure to start proxy : bind [::1]:15053: EADDRNOTAVAIL',
    );
    expect(m.ready).toBe(false);
    m.snapshotSent();
    expect(m.ready).toBe(false);
    expect(m.dump()).toMatchObject({ good: { state: 'Up' }, bad: { state: 'Pending' } });
    m.del('bad');
    expect(m.ready).toBe(true);
    void m.close();
  });

  it('keeps a replayed pod (same netns) running and drops pods missing from the new snapshot', () => {
    const { m, events } = manager(new Set());
    m.connectionStarted();
    m.add(info('a'), netns());
    m.add(info('b'), netns());
    m.snapshotSent();
    // ztunnel reconnects: the CNI replays only `a`, and keeps `c` it cannot open.
    m.connectionStarted();
    expect(m.ready).toBe(false);
    expect(m.add(info('a'), netns())).toBe('');
    expect(m.keep('c')).toBe('');
    m.snapshotSent();
    expect(events).toEqual(['start a', 'start b', 'stop b']);
    expect(m.uids()).toEqual(['a']);
    expect(m.ready).toBe(true);
    void m.close();
  });
});
