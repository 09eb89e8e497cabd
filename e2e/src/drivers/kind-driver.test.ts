import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exitCodeOf, kindConfig, kindUnavailableReason } from './kind-driver.js';

describe('kind driver', () => {
  it('asks kind for one control plane and the requested workers', () => {
    const c = parse(kindConfig(2)) as { kind: string; nodes: { role: string }[] };
    expect(c.kind).toBe('Cluster');
    expect(c.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  });

  it('reads the exit code from a pods/exec status', () => {
    expect(exitCodeOf(undefined)).toBe(-1);
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        details: { causes: [{ reason: 'ExitCode', message: '7' }] },
      }),
    ).toBe(7);
    expect(exitCodeOf({ status: 'Failure', message: 'container not found' })).toBe(1);
  });

  it('says why it cannot run when the tools are missing', async () => {
    const reason = await kindUnavailableReason({
      kind: '/nonexistent/kind',
      docker: '/nonexistent/docker',
    });
    expect(reason).toMatch(/^kind is not installed/);
  });
});
