import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../log.js';
import { hostCommandRunner } from './host-command.js';
import { HostProbeSnat, hostProbeRulesText } from './host-probe-snat.js';

describe('the host probe SNAT rule text', () => {
  it("is upstream's rule, inserting the jump only when it is missing", () => {
    expect(hostProbeRulesText(true)).toBe(
      '*nat\n:ISTIO_POSTRT - [0:0]\n-I POSTROUTING 1 -j ISTIO_POSTRT\n' +
        '-A ISTIO_POSTRT -m owner --socket-exists -p tcp -m set --match-set istio-inpod-probes-v4 dst -j SNAT --to-source 169.254.7.127\nCOMMIT\n',
    );
    expect(hostProbeRulesText(false)).not.toContain('-I POSTROUTING');
  });

  it('a node without ipset keeps working, without probe SNAT', async () => {
    const snat = new HostProbeSnat(
      () => Promise.resolve({ exitCode: 127, stdout: '', stderr: 'ipset: not found' }),
      silentLog,
    );
    await snat.setup();
    expect(snat.enabled).toBe(false);
    await expect(snat.add(['10.0.0.1'])).resolves.toBeUndefined();
  });
});

const isRoot = process.getuid?.() === 0 && process.platform === 'linux';
const ns = `hps${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;

describe.skipIf(!isRoot)(
  'host probe SNAT in a network namespace standing in for the node (root)',
  () => {
    beforeAll(() => {
      execFileSync('ip', ['netns', 'add', ns]);
    });
    afterAll(() => {
      try {
        execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
      } catch {
        // never created
      }
    });
    const inNs = (...argv: string[]): string =>
      execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' });

    it('sets up once however often the agent restarts, tracks pod IPs, and tears down completely', async () => {
      const snat = new HostProbeSnat(hostCommandRunner(['ip', 'netns', 'exec', ns]), silentLog);
      await snat.setup();
      expect(snat.enabled).toBe(true);
      await snat.add(['10.244.1.5', 'fd00::5']);
      await snat.setup(); // an agent restart: rules re-created, set emptied
      await snat.add(['10.244.1.6']);
      await snat.add(['10.244.1.6']);
      const nat = inNs('iptables-save', '-t', 'nat');
      expect(nat.match(/-A POSTROUTING -j ISTIO_POSTRT/g)).toHaveLength(1);
      expect(nat.match(/--to-source 169\.254\.7\.127/g)).toHaveLength(1);
      expect(inNs('ipset', 'list', 'istio-inpod-probes-v4')).toMatch(/Members:\n10\.244\.1\.6\n?$/);
      await snat.remove(['10.244.1.6']);
      expect(inNs('ipset', 'list', 'istio-inpod-probes-v4')).toMatch(/Members:\n?$/);
      await snat.teardown();
      expect(inNs('iptables-save', '-t', 'nat')).not.toContain('ISTIO_POSTRT');
      expect(inNs('ipset', 'list', '-n')).toBe('');
    });
  },
);
