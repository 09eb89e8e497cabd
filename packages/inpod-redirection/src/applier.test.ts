// Applies the rules inside real network namespaces (root only). Each namespace
// is named `ird<pid base36>-<n>`; leftovers of dead runs are swept first.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InpodRedirector } from './applier.js';
import { NetnsCommandError } from './errors.js';
import { nsenterRunner } from './netns-runner.js';

const reason =
  process.getuid?.() !== 0
    ? 'not root: network namespaces need CAP_SYS_ADMIN'
    : (() => {
        try {
          execFileSync('iptables-restore', ['--version'], { stdio: 'ignore' });
          execFileSync('nsenter', ['--version'], { stdio: 'ignore' });
          return undefined;
        } catch {
          return 'iptables or nsenter is not installed';
        }
      })();

const prefix = `ird${process.pid.toString(36)}`;
const created: string[] = [];
let counter = 0;

function sweepStale(): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '');
  for (const name of names) {
    const m = /^ird([0-9a-z]+)-/.exec(name);
    if (!m?.[1]) continue;
    const pid = parseInt(m[1], 36);
    try {
      process.kill(pid, 0);
    } catch {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    }
  }
}

function newNetns(): string {
  const name = `${prefix}-${counter++}`;
  execFileSync('ip', ['netns', 'add', name]);
  created.push(name);
  return `/var/run/netns/${name}`;
}

function save(path: string): string {
  return execFileSync('nsenter', [`--net=${path}`, '--', 'iptables-save'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('-A') || l.startsWith('*') || l.startsWith(':ISTIO'))
    .join('\n');
}

function ipRules(path: string): string[] {
  return execFileSync('nsenter', [`--net=${path}`, '--', 'ip', '-4', 'rule', 'list'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => l.includes('0x111'));
}

function table100(path: string): string {
  return execFileSync(
    'nsenter',
    [`--net=${path}`, '--', 'ip', '-4', 'route', 'show', 'table', '100'],
    { encoding: 'utf8' },
  ).trim();
}

describe.skipIf(reason !== undefined)(
  `applying the rules in a pod namespace${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    const redirector = new InpodRedirector({ runner: nsenterRunner() });
    beforeAll(sweepStale);
    afterAll(() => {
      for (const name of created) execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    });

    it('installs every chain, jump and the fwmark route, and a second apply changes nothing', async () => {
      const ns = newNetns();
      expect(await redirector.apply(ns)).toBe('created');
      const first = save(ns);
      expect(first).toContain('-A OUTPUT -j ISTIO_OUTPUT');
      expect(first).toContain(
        '-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -p tcp -m mark ! --mark 0x539/0xfff -j REDIRECT --to-ports 15001',
      );
      expect(first).toContain('*raw');
      expect(ipRules(ns)).toEqual(['32764:\tfrom all fwmark 0x111/0xfff lookup 100']);
      expect(table100(ns)).toBe('local default dev lo scope host');

      expect(await redirector.apply(ns)).toBe('replaced');
      expect(save(ns)).toBe(first);
      expect(ipRules(ns)).toHaveLength(1);
    });

    it('switches DNS capture off in place, dropping the raw table and the 15053 redirects', async () => {
      const ns = newNetns();
      await redirector.apply(ns);
      await redirector.apply(ns, { dnsCapture: false });
      const text = save(ns);
      expect(text).not.toContain('15053');
      expect(text).not.toContain('ISTIO_PRERT -p udp');
      expect(text.match(/-A OUTPUT -j ISTIO_OUTPUT/g)).toHaveLength(2); // mangle + nat
      expect(text).toContain('REDIRECT --to-ports 15001');
    });

    it('removes only what is ours, and removing twice is fine', async () => {
      const ns = newNetns();
      execFileSync('nsenter', [
        `--net=${ns}`,
        '--',
        'iptables',
        '-t',
        'nat',
        '-A',
        'OUTPUT',
        '-p',
        'tcp',
        '--dport',
        '9',
        '-j',
        'ACCEPT',
      ]);
      await redirector.apply(ns);
      await redirector.remove(ns);
      await redirector.remove(ns);
      const text = save(ns);
      expect(text).not.toContain('ISTIO');
      expect(text).toContain('-A OUTPUT -p tcp -m tcp --dport 9 -j ACCEPT');
      expect(ipRules(ns)).toEqual([]);
      expect(table100(ns)).toBe('');
    });

    it('can let queued connections move to another SO_REUSEPORT listener when one closes', async () => {
      const ns = newNetns();
      await redirector.apply(ns, { migrateRequestsOnListenerClose: true });
      const value = execFileSync(
        'nsenter',
        [`--net=${ns}`, '--', 'sysctl', '-n', 'net.ipv4.tcp_migrate_req'],
        {
          encoding: 'utf8',
        },
      );
      expect(value.trim()).toBe('1');
    });

    it('says which namespace and command failed when the namespace is gone', async () => {
      await expect(redirector.apply(`/var/run/netns/${prefix}-missing`)).rejects.toBeInstanceOf(
        NetnsCommandError,
      );
    });
  },
);
