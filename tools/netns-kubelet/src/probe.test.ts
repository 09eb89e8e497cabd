import { describe, expect, it } from 'vitest';
import {
  initialCounter,
  probeSpec,
  ProbeSpecError,
  stepProbe,
  type ProbeCounter,
  type ProbeSpec,
} from './probe.js';

describe('probeSpec', () => {
  it('applies Kubernetes defaults and resolves named ports', () => {
    const p = probeSpec(
      {
        name: 'c',
        ports: [{ name: 'http', containerPort: 9080 }],
        readinessProbe: { httpGet: { port: 'http', path: '/health' } },
      },
      'readiness',
    );
    expect(p).toEqual({
      kind: 'readiness',
      action: { type: 'http', port: 9080, path: '/health', scheme: 'HTTP', headers: [] },
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(probeSpec({ name: 'c' }, 'liveness')).toBeUndefined();
  });
  it('reads tcpSocket, exec and timing fields', () => {
    expect(
      probeSpec(
        {
          name: 'c',
          livenessProbe: {
            tcpSocket: { port: 15021 },
            initialDelaySeconds: 2,
            periodSeconds: 3,
            timeoutSeconds: 4,
            failureThreshold: 5,
          },
        },
        'liveness',
      ),
    ).toMatchObject({
      action: { type: 'tcp', port: 15021 },
      initialDelayMs: 2000,
      periodMs: 3000,
      timeoutMs: 4000,
      failureThreshold: 5,
    });
    expect(
      probeSpec({ name: 'c', startupProbe: { exec: { command: ['true'] } } }, 'startup')?.action,
    ).toEqual({
      type: 'exec',
      command: ['true'],
    });
  });
  it('rejects unknown named ports and liveness successThreshold != 1', () => {
    expect(() =>
      probeSpec({ name: 'c', readinessProbe: { httpGet: { port: 'nope' } } }, 'readiness'),
    ).toThrow(ProbeSpecError);
    expect(() =>
      probeSpec(
        { name: 'c', livenessProbe: { tcpSocket: { port: 1 }, successThreshold: 2 } },
        'liveness',
      ),
    ).toThrow('successThreshold must be 1');
  });
});

describe('probe thresholds', () => {
  const spec: ProbeSpec = {
    kind: 'readiness',
    action: { type: 'tcp', port: 1 },
    initialDelayMs: 0,
    periodMs: 1,
    timeoutMs: 1,
    successThreshold: 2,
    failureThreshold: 3,
  };
  const run = (c: ProbeCounter, outcomes: boolean[]): ProbeCounter =>
    outcomes.reduce((acc, ok) => stepProbe(spec, acc, ok), c);
  it('starts not ready, alive, and unknown for startup', () => {
    expect(initialCounter('readiness').result).toBe('failure');
    expect(initialCounter('liveness').result).toBe('success');
    expect(initialCounter('startup').result).toBe('unknown');
  });
  it('flips to success only after successThreshold consecutive successes', () => {
    expect(run(initialCounter('readiness'), [true]).result).toBe('failure');
    expect(run(initialCounter('readiness'), [true, false, true]).result).toBe('failure');
    expect(run(initialCounter('readiness'), [true, true]).result).toBe('success');
  });
  it('flips to failure only after failureThreshold consecutive failures', () => {
    const ready = run(initialCounter('readiness'), [true, true]);
    expect(run(ready, [false, false]).result).toBe('success');
    expect(run(ready, [false, false, true, false]).result).toBe('success');
    expect(run(ready, [false, false, false]).result).toBe('failure');
  });
});
