import type { Pod } from './k8s-types.js';
import { describe, expect, it } from 'vitest';
import {
  computePodStatus,
  podPhase,
  statusPatch,
  type ContainerRecord,
  type PodRecord,
} from './pod-status.js';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-01T00:00:05.250Z');
const pod = (
  restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always',
  gates: string[] = [],
): Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  spec: {
    restartPolicy,
    containers: [{ name: 'a' }, { name: 'b' }],
    readinessGates: gates.map((conditionType) => ({ conditionType })),
  },
});
const running = (name: string, ready: boolean): ContainerRecord => ({
  name,
  image: 'img',
  state: { kind: 'running', startedAt: t0 },
  restartCount: 0,
  ready,
  started: true,
});
const exited = (name: string, exitCode: number): ContainerRecord => ({
  name,
  image: 'img',
  state: {
    kind: 'terminated',
    exitCode,
    reason: exitCode === 0 ? 'Completed' : 'Error',
    finishedAt: t1,
    startedAt: t0,
  },
  restartCount: 0,
  ready: false,
});
const waiting = (
  name: string,
  reason = 'ContainerCreating',
  lastExit?: number,
): ContainerRecord => ({
  name,
  image: 'img',
  state: { kind: 'waiting', reason },
  restartCount: lastExit === undefined ? 0 : 1,
  ready: false,
  ...(lastExit !== undefined
    ? {
        lastTerminated: {
          kind: 'terminated',
          exitCode: lastExit,
          reason: 'Error',
          finishedAt: t1,
        } as const,
      }
    : {}),
});
const rec = (containers: ContainerRecord[], over: Partial<PodRecord> = {}): PodRecord => ({
  sandboxReady: true,
  podIPs: ['10.244.1.5'],
  hostIPs: ['172.30.0.2'],
  startTime: t0,
  initContainers: [],
  containers,
  initialized: true,
  ...over,
});

describe('podPhase', () => {
  it('is Pending until init containers finish and while containers are being created', () => {
    expect(podPhase(pod(), rec([waiting('a'), waiting('b')], { initialized: false }))).toBe(
      'Pending',
    );
    expect(podPhase(pod(), rec([running('a', true), waiting('b')]))).toBe('Pending');
    expect(podPhase(pod(), rec([waiting('a', 'ErrImagePull'), waiting('b', 'ErrImagePull')]))).toBe(
      'Pending',
    );
  });
  it('is Running while any container runs or restarts after a crash', () => {
    expect(podPhase(pod(), rec([running('a', false), running('b', true)]))).toBe('Running');
    expect(podPhase(pod(), rec([running('a', true), waiting('b', 'CrashLoopBackOff', 1)]))).toBe(
      'Running',
    );
    expect(podPhase(pod('Always'), rec([exited('a', 0), exited('b', 0)]))).toBe('Running');
  });
  it('ends Succeeded or Failed for Never/OnFailure pods as kubelet does', () => {
    expect(podPhase(pod('Never'), rec([exited('a', 0), exited('b', 0)]))).toBe('Succeeded');
    expect(podPhase(pod('Never'), rec([exited('a', 0), exited('b', 2)]))).toBe('Failed');
    expect(podPhase(pod('OnFailure'), rec([exited('a', 0), exited('b', 0)]))).toBe('Succeeded');
    expect(
      podPhase(pod('OnFailure'), rec([exited('a', 0), waiting('b', 'CrashLoopBackOff', 1)])),
    ).toBe('Running');
    expect(
      podPhase(
        pod('Never'),
        rec([waiting('a')], { failed: { reason: 'InitFailed', message: 'x' } }),
      ),
    ).toBe('Failed');
  });
});

describe('computePodStatus', () => {
  it('reports Ready only when every container is ready', () => {
    const s = computePodStatus(pod(), rec([running('a', true), running('b', false)]), [], t1);
    const byType = Object.fromEntries(s.conditions.map((c) => [c.type, c]));
    expect(byType.Ready).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [b]',
    });
    expect(byType.ContainersReady?.status).toBe('False');
    expect(byType.Initialized?.status).toBe('True');
    expect(byType.PodScheduled?.status).toBe('True');
    expect(byType.PodReadyToStartContainers?.status).toBe('True');
    const ready = computePodStatus(
      pod(),
      rec([running('a', true), running('b', true)]),
      s.conditions,
      t1,
    );
    expect(ready.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
  });
  it('keeps lastTransitionTime while a condition holds its status', () => {
    const first = computePodStatus(pod(), rec([running('a', true), running('b', true)]), [], t0);
    const again = computePodStatus(
      pod(),
      rec([running('a', true), running('b', true)]),
      first.conditions,
      t1,
    );
    expect(again.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(t0);
    const flipped = computePodStatus(
      pod(),
      rec([running('a', false), running('b', true)]),
      first.conditions,
      t1,
    );
    expect(flipped.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(t1);
  });
  it('waits for readiness gates set by others', () => {
    const p = pod('Always', ['example.com/gate']);
    const s = computePodStatus(p, rec([running('a', true), running('b', true)]), [], t1);
    expect(s.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ReadinessGatesNotReady',
    });
    p.status = { conditions: [{ type: 'example.com/gate', status: 'True' }] };
    expect(
      computePodStatus(p, rec([running('a', true), running('b', true)]), [], t1).conditions.find(
        (c) => c.type === 'Ready',
      )?.status,
    ).toBe('True');
  });
  it('says which init containers are incomplete and marks completed pods', () => {
    const s = computePodStatus(
      pod(),
      rec([waiting('a', 'PodInitializing'), waiting('b', 'PodInitializing')], {
        initialized: false,
        initContainers: [exited('init', 1)],
      }),
      [],
      t1,
    );
    expect(s.conditions.find((c) => c.type === 'Initialized')).toMatchObject({
      status: 'False',
      message: 'containers with incomplete status: [init]',
    });
    const done = computePodStatus(pod('Never'), rec([exited('a', 0), exited('b', 0)]), [], t1);
    expect(done.phase).toBe('Succeeded');
    expect(done.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'PodCompleted',
    });
  });
});

describe('statusPatch', () => {
  it('writes IPs, RFC3339 times and explicit nulls for the container sub-states it replaces', () => {
    const s = computePodStatus(
      pod(),
      rec([running('a', true), waiting('b', 'CrashLoopBackOff', 137)]),
      [],
      t1,
    );
    const body = statusPatch(s) as { status: Record<string, unknown> };
    expect(body.status).toMatchObject({
      phase: 'Running',
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }, { $patch: 'replace' }],
      hostIP: '172.30.0.2',
      hostIPs: [{ ip: '172.30.0.2' }, { $patch: 'replace' }],
      startTime: '2026-01-01T00:00:00Z',
    });
    const [a, b] = body.status.containerStatuses as Record<string, unknown>[];
    expect(a).toMatchObject({
      name: 'a',
      ready: true,
      started: true,
      state: { running: { startedAt: '2026-01-01T00:00:00Z' }, waiting: null, terminated: null },
    });
    expect(b).toMatchObject({
      name: 'b',
      restartCount: 1,
      state: { waiting: { reason: 'CrashLoopBackOff' }, running: null, terminated: null },
      lastState: {
        terminated: { exitCode: 137, reason: 'Error', finishedAt: '2026-01-01T00:00:05Z' },
      },
    });
  });
});
