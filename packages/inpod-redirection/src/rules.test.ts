import { describe, expect, it } from 'vitest';
import {
  inpodRemoveText,
  inpodReplaceText,
  inpodRestoreText,
  inpodRouteCommands,
} from './rules.js';

// reference/istiod.md §5.3, copied verbatim: what istio-cni applies in a pod
// netns (IPv4, REDIRECT mode, DNS capture on).
const REFERENCE = `* mangle
-N ISTIO_PRERT
-N ISTIO_OUTPUT
-A PREROUTING -j ISTIO_PRERT
-A OUTPUT -j ISTIO_OUTPUT
-A ISTIO_PRERT -m mark --mark 0x539/0xfff -j CONNMARK --set-xmark 0x111/0xfff
-A ISTIO_OUTPUT -m connmark --mark 0x111/0xfff -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff
COMMIT
* nat
-N ISTIO_PRERT
-N ISTIO_OUTPUT
-A OUTPUT -j ISTIO_OUTPUT
-A PREROUTING -j ISTIO_PRERT
-A ISTIO_PRERT -s 169.254.7.127 -p tcp -m tcp -j ACCEPT
-A ISTIO_OUTPUT -d 169.254.7.127 -p tcp -m tcp -j ACCEPT
-A ISTIO_PRERT ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m mark ! --mark 0x539/0xfff -j REDIRECT --to-ports 15006
-A ISTIO_OUTPUT ! -o lo -p udp -m mark ! --mark 0x539/0xfff -m udp --dport 53 -j REDIRECT --to-port 15053
-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -p tcp --dport 53 -m mark ! --mark 0x539/0xfff -j REDIRECT --to-ports 15053
-A ISTIO_OUTPUT -p tcp -m mark --mark 0x111/0xfff -j ACCEPT
-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -o lo -j ACCEPT
-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -p tcp -m mark ! --mark 0x539/0xfff -j REDIRECT --to-ports 15001
COMMIT
* raw
-N ISTIO_OUTPUT
-N ISTIO_PRERT
-A PREROUTING -j ISTIO_PRERT
-A OUTPUT -j ISTIO_OUTPUT
-A ISTIO_OUTPUT -p udp -m mark --mark 0x539/0xfff -m udp --dport 53 -j CT --zone 1
-A ISTIO_PRERT -p udp -m mark ! --mark 0x539/0xfff -m udp --sport 53 -j CT --zone 1
COMMIT
`;

const lines = (text: string): string[] => text.trimEnd().split('\n');

describe('in-pod rules', () => {
  it('are byte for byte the reference rules with DNS capture on (the default)', () => {
    expect(inpodRestoreText()).toBe(REFERENCE);
    expect(inpodRestoreText({ dnsCapture: true })).toBe(REFERENCE);
  });

  it('drop the two DNS redirects and the whole raw table when DNS capture is off', () => {
    const text = inpodRestoreText({ dnsCapture: false });
    const expected = lines(REFERENCE).filter(
      (l) => !l.includes('dport 53') && !l.includes('sport 53'),
    );
    const rawStart = expected.indexOf('* raw');
    expect(lines(text)).toEqual(expected.slice(0, rawStart));
    expect(text).not.toContain('15053');
  });

  it('leave inbound traffic alone in ingress mode (no 15006 redirect, no inbound probe accept)', () => {
    const text = inpodRestoreText({ bypassInboundCapture: true });
    expect(text).not.toContain('15006');
    expect(text).not.toContain('-A ISTIO_PRERT -s 169.254.7.127');
    // Outbound capture and the outbound probe accept stay.
    expect(text).toContain('-A ISTIO_OUTPUT -d 169.254.7.127 -p tcp -m tcp -j ACCEPT');
    expect(text).toContain('--to-ports 15001');
  });

  it('send TCP from rerouted virtual interfaces to the outbound port, before any other nat rule', () => {
    const nat = lines(inpodRestoreText({ rerouteVirtualInterfaces: ['eth1', 'tap0'] }));
    const i = nat.indexOf('-A PREROUTING -j ISTIO_PRERT', nat.indexOf('* nat'));
    expect(nat.slice(i + 1, i + 3)).toEqual([
      '-A ISTIO_PRERT -i eth1 -p tcp -j REDIRECT --to-ports 15001',
      '-A ISTIO_PRERT -i tap0 -p tcp -j REDIRECT --to-ports 15001',
    ]);
  });

  it('use ::1/128 and the IPv6 probe address for ip6tables', () => {
    const v6 = inpodRestoreText({}, 6);
    expect(v6).toBe(
      REFERENCE.replaceAll('127.0.0.1/32', '::1/128').replaceAll(
        '169.254.7.127',
        'fd16:9254:7127:1337:ffff:ffff:ffff:ffff',
      ),
    );
  });

  it('route marked replies through table 100 to lo', () => {
    expect(inpodRouteCommands(4)).toEqual({
      rule: ['-4', 'rule', 'add', 'fwmark', '0x111/0xfff', 'pref', '32764', 'lookup', '100'],
      route: ['-4', 'route', 'add', 'local', '0.0.0.0/0', 'dev', 'lo', 'table', '100'],
    });
    expect(inpodRouteCommands(6).route).toContain('::/0');
  });
});

describe('replacing rules already in a pod', () => {
  it('declares (and so empties) each chain, deletes present jumps, then appends the current rules', () => {
    const text = inpodReplaceText(
      { nat: ['-A PREROUTING -j ISTIO_PRERT', '-A OUTPUT -j ISTIO_OUTPUT'] },
      { nat: ['ISTIO_OUTPUT', 'ISTIO_PRERT'] },
      { dnsCapture: false },
    );
    const nat = lines(text).slice(lines(text).indexOf('* nat'));
    expect(nat.slice(0, 5)).toEqual([
      '* nat',
      ':ISTIO_PRERT - [0:0]',
      ':ISTIO_OUTPUT - [0:0]',
      '-D PREROUTING -j ISTIO_PRERT',
      '-D OUTPUT -j ISTIO_OUTPUT',
    ]);
    expect(nat).toContain(
      '-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -p tcp -m mark ! --mark 0x539/0xfff -j REDIRECT --to-ports 15001',
    );
  });

  it('removes a table of ours the new rules no longer use (DNS capture turned off)', () => {
    const text = inpodReplaceText(
      { raw: ['-A PREROUTING -j ISTIO_PRERT', '-A OUTPUT -j ISTIO_OUTPUT'] },
      { raw: ['ISTIO_OUTPUT', 'ISTIO_PRERT'] },
      { dnsCapture: false },
    );
    const raw = lines(text).slice(lines(text).indexOf('* raw'));
    expect(raw).toEqual([
      '* raw',
      '-D PREROUTING -j ISTIO_PRERT',
      '-D OUTPUT -j ISTIO_OUTPUT',
      '-F ISTIO_OUTPUT',
      '-F ISTIO_PRERT',
      '-X ISTIO_OUTPUT',
      '-X ISTIO_PRERT',
      'COMMIT',
    ]);
  });
});

describe('removing rules', () => {
  it('deletes jumps before flushing and deleting chains, table by table', () => {
    const text = inpodRemoveText(
      { mangle: ['-A PREROUTING -j ISTIO_PRERT'] },
      { mangle: ['ISTIO_PRERT'], nat: ['ISTIO_OUTPUT'] },
    );
    expect(lines(text)).toEqual([
      '* mangle',
      '-D PREROUTING -j ISTIO_PRERT',
      '-F ISTIO_PRERT',
      '-X ISTIO_PRERT',
      'COMMIT',
      '* nat',
      '-F ISTIO_OUTPUT',
      '-X ISTIO_OUTPUT',
      'COMMIT',
    ]);
  });

  it('is empty when nothing of ours is there', () => {
    expect(inpodRemoveText({}, {})).toBe('');
  });
});
