import { describe, expect, it } from 'vitest';
import type { NetnsFd } from '@ambient-ts/linux-sockets';
import { asPodUid, type PodUid } from '../brands.js';
import { NetnsNotFoundError, NoZtunnelConnectionError, ZtunnelNackError } from '../errors.js';
import { silentLog } from '../log.js';
import type { NetnsLocator } from '../netns/netns-locator.js';
import { Enrollment, type Annotator, type Redirector, type ZdsPort } from './enrollment.js';
import type { PodView } from './pod-facts.js';

type Step = string;

function harness(
  opts: { ztunnel?: 'up' | 'down' | 'nack'; netnsFound?: boolean; reconcile?: boolean } = {},
) {
  const steps: Step[] = [];
  let ztunnel = opts.ztunnel ?? 'up';
  const snapshot = new Map<PodUid, number | undefined>();
  const closed: number[] = [];
  let nextFd = 100;
  const redirector: Redirector = {
    apply: (p, o) => {
      steps.push(`rules ${p} dns=${String(o.dnsCapture)} bypass=${String(o.bypassInboundCapture)}`);
      return Promise.resolve('created');
    },
    remove: (p) => {
      steps.push(`unrules ${p}`);
      return Promise.resolve();
    },
  };
  const send = (uid: PodUid): Promise<void> => {
    steps.push(`zds add ${uid} fd=${snapshot.get(uid)}`);
    if (ztunnel === 'down') return Promise.reject(new NoZtunnelConnectionError());
    if (ztunnel === 'nack')
      return Promise.reject(new ZtunnelNackError('add', 'failure to start proxy'));
    return Promise.resolve();
  };
  const zds: ZdsPort = {
    add: (uid, _info, fd) => {
      snapshot.set(uid, fd);
      return send(uid);
    },
    resend: (uid) => send(uid),
    keep: (uid) => {
      snapshot.set(uid, undefined);
      steps.push(`zds keep ${uid}`);
    },
    del: (uid) => {
      snapshot.delete(uid);
      steps.push(`zds del ${uid}`);
      return ztunnel === 'up' ? Promise.resolve() : Promise.reject(new NoZtunnelConnectionError());
    },
    netnsOf: (uid) => snapshot.get(uid),
  };
  const annotator: Annotator = {
    setRedirection: (ns, name, value) => {
      steps.push(`annotate ${ns}/${name} ${String(value)}`);
      return Promise.resolve();
    },
  };
  const netns: NetnsLocator = {
    fromFd: (fd) => ({ fd: fd as NetnsFd, path: `/fd/${fd}` }),
    byCniPath: (p) => {
      const fd = nextFd++ as NetnsFd;
      steps.push(`open ${p}`);
      return { fd, path: `/fd/${fd}` };
    },
    byPodIps: (pod, ips) => {
      if (opts.netnsFound === false)
        return Promise.reject(new NetnsNotFoundError(pod, ips, '/host/proc'));
      const fd = nextFd++ as NetnsFd;
      steps.push(`scan ${ips.join(',')}`);
      return Promise.resolve({ fd, path: `/fd/${fd}` });
    },
  };
  const hostProbes = {
    add: (ips: readonly string[]) => {
      steps.push(`probes+ ${ips.join(',')}`);
      return Promise.resolve();
    },
    remove: (ips: readonly string[]) => {
      steps.push(`probes- ${ips.join(',')}`);
      return Promise.resolve();
    },
  };
  const enrollment = new Enrollment({
    hostProbes,
    redirector,
    zds,
    netns,
    annotator,
    closeFd: (fd) => closed.push(fd),
    log: silentLog,
    dnsCapture: true,
    reconcileRulesOnStart: opts.reconcile ?? true,
  });
  return {
    steps,
    closed,
    enrollment,
    snapshot,
    setZtunnel: (s: 'up' | 'down' | 'nack') => (ztunnel = s),
  };
}

const pod = (annotations: Record<string, string> = {}): PodView => ({
  metadata: { name: 'reviews-v1', namespace: 'bookinfo', uid: 'u1', annotations },
  spec: { nodeName: 'n1', serviceAccountName: 'bookinfo-reviews' },
  status: { phase: 'Running', podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }] },
});
const U1 = asPodUid('u1');

describe('enrolling a pod', () => {
  it('goes rules → ZDS add (with the netns fd) → probe ipset → annotation enabled, for a running pod', async () => {
    const h = harness();
    await h.enrollment.add(pod(), { kind: 'running' });
    expect(h.steps).toEqual([
      'scan 10.244.1.7',
      'rules /fd/100 dns=true bypass=false',
      'zds add u1 fd=100',
      'probes+ 10.244.1.7',
      'annotate bookinfo/reviews-v1 enabled',
    ]);
    expect(h.enrollment.stateOf(U1)).toBe('enabled');
    expect(h.closed).toEqual([]); // the ZDS server owns the fd now
  });

  it('uses the CNI netns path for a pod being created', async () => {
    const h = harness();
    await h.enrollment.add(pod(), {
      kind: 'cni',
      netnsPath: '/var/run/netns/cni-1',
      ips: ['10.244.1.7'],
    });
    expect(h.steps[0]).toBe('open /var/run/netns/cni-1');
    expect(h.steps.at(-1)).toBe('annotate bookinfo/reviews-v1 enabled');
  });

  it('per-pod annotations shape the rules', async () => {
    const h = harness();
    await h.enrollment.add(
      pod({
        'ambient.istio.io/dns-capture': 'false',
        'ambient.istio.io/bypass-inbound-capture': 'true',
      }),
      { kind: 'running' },
    );
    expect(h.steps[1]).toBe('rules /fd/100 dns=false bypass=true');
  });

  it('without ztunnel: captured, annotated pending, rejected; enabled once a ztunnel syncs', async () => {
    const h = harness({ ztunnel: 'down' });
    await expect(h.enrollment.add(pod(), { kind: 'running' })).rejects.toBeInstanceOf(
      NoZtunnelConnectionError,
    );
    expect(h.steps.slice(-2)).toEqual([
      'zds add u1 fd=100',
      'annotate bookinfo/reviews-v1 pending',
    ]);
    expect(h.enrollment.stateOf(U1)).toBe('pending');
    await h.enrollment.retryPending();
    expect(h.enrollment.stateOf(U1)).toBe('pending');
    h.setZtunnel('up');
    await h.enrollment.retryPending();
    expect(h.steps.slice(-3)).toEqual([
      'zds add u1 fd=100',
      'probes+ 10.244.1.7',
      'annotate bookinfo/reviews-v1 enabled',
    ]);
    expect(h.enrollment.stateOf(U1)).toBe('enabled');
  });

  it('a retried sandbox with a new IP takes the old IP out of the probe set', async () => {
    const h = harness({ ztunnel: 'down' });
    await expect(
      h.enrollment.add(pod(), { kind: 'cni', netnsPath: '/run/netns/a', ips: ['10.244.1.6'] }),
    ).rejects.toBeInstanceOf(NoZtunnelConnectionError);
    await h.enrollment.retryPending().catch(() => undefined);
    h.setZtunnel('up');
    await h.enrollment.retryPending();
    expect(h.steps).toContain('probes+ 10.244.1.6');
    h.steps.length = 0;
    await h.enrollment.add(pod(), { kind: 'cni', netnsPath: '/run/netns/b', ips: ['10.244.1.9'] });
    expect(h.steps).toEqual([
      'open /run/netns/b',
      'rules /fd/101 dns=true bypass=false',
      'probes- 10.244.1.6',
      'zds add u1 fd=101',
      'probes+ 10.244.1.9',
      'annotate bookinfo/reviews-v1 enabled',
    ]);
  });

  it('a NACK leaves the pod pending too', async () => {
    const h = harness({ ztunnel: 'nack' });
    await expect(h.enrollment.add(pod(), { kind: 'running' })).rejects.toBeInstanceOf(
      ZtunnelNackError,
    );
    expect(h.enrollment.stateOf(U1)).toBe('pending');
  });

  it('an already enabled running pod is not enrolled twice', async () => {
    const h = harness();
    await h.enrollment.add(pod(), { kind: 'running' });
    const n = h.steps.length;
    await h.enrollment.add(pod(), { kind: 'running' });
    expect(h.steps).toHaveLength(n);
  });

  it('a pod whose netns cannot be found is not captured and holds no fd', async () => {
    const h = harness({ netnsFound: false });
    await expect(h.enrollment.add(pod(), { kind: 'running' })).rejects.toBeInstanceOf(
      NetnsNotFoundError,
    );
    expect(h.enrollment.isEnrolled(U1)).toBe(false);
    expect(h.steps).toEqual([]);
  });
});

describe('taking a pod out', () => {
  it('un-labeling removes the rules in its netns, sends Del, then clears the annotation', async () => {
    const h = harness();
    await h.enrollment.add(pod(), { kind: 'running' });
    h.steps.length = 0;
    await h.enrollment.remove(pod({ 'ambient.istio.io/redirection': 'enabled' }));
    expect(h.steps).toEqual([
      'probes- 10.244.1.7',
      'unrules /fd/100',
      'zds del u1',
      'annotate bookinfo/reviews-v1 null',
    ]);
    expect(h.enrollment.isEnrolled(U1)).toBe(false);
  });

  it('a deleted pod leaves the probe set and gets Del: no rules to remove, no object to patch', async () => {
    const h = harness();
    await h.enrollment.add(pod(), { kind: 'running' });
    h.steps.length = 0;
    await h.enrollment.forget(pod({ 'ambient.istio.io/redirection': 'enabled' }));
    expect(h.steps).toEqual(['probes- 10.244.1.7', 'zds del u1']);
  });

  it('a pod we never enrolled and that carries no annotation is left alone', async () => {
    const h = harness();
    await h.enrollment.remove(pod());
    expect(h.steps).toEqual([]);
  });

  it('an annotated pod unknown to us (label removed while the agent was down) is cleaned up', async () => {
    const h = harness();
    await h.enrollment.remove(pod({ 'ambient.istio.io/redirection': 'enabled' }));
    expect(h.steps).toEqual([
      'probes- 10.244.1.7',
      'scan 10.244.1.7',
      'unrules /fd/100',
      'zds del u1',
      'annotate bookinfo/reviews-v1 null',
    ]);
    expect(h.closed).toEqual([100]);
  });
});

describe('restoring after an agent restart', () => {
  it('re-applies the rules and puts the pod back in the snapshot without annotating', async () => {
    const h = harness({ ztunnel: 'down' });
    await h.enrollment.restore(pod({ 'ambient.istio.io/redirection': 'enabled' }));
    expect(h.steps).toEqual([
      'scan 10.244.1.7',
      'rules /fd/100 dns=true bypass=false',
      'probes+ 10.244.1.7',
      'zds add u1 fd=100',
    ]);
    expect(h.enrollment.stateOf(U1)).toBe('enabled');
  });

  it('skips the rules when reconciliation is off', async () => {
    const h = harness({ ztunnel: 'down', reconcile: false });
    await h.enrollment.restore(pod({ 'ambient.istio.io/redirection': 'enabled' }));
    expect(h.steps).toEqual(['scan 10.244.1.7', 'probes+ 10.244.1.7', 'zds add u1 fd=100']);
  });

  it('keeps a pod whose netns is not found (ZDS Keep)', async () => {
    const h = harness({ ztunnel: 'down', netnsFound: false });
    await h.enrollment.restore(pod({ 'ambient.istio.io/redirection': 'enabled' }));
    expect(h.steps).toEqual(['zds keep u1']);
    expect(h.enrollment.isEnrolled(U1)).toBe(true);
  });
});
