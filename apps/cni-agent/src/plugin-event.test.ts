import { describe, expect, it } from 'vitest';
import { decodeCmdAddEvent, encodeCmdAddEvent, ipConfigsFromResult } from './plugin-event.js';
import { PluginEventError } from './errors.js';

describe('the plugin event payload', () => {
  it("encodes upstream's Go JSON shape (net.IPNet with a base64 mask)", () => {
    const body = encodeCmdAddEvent({
      netns: '/var/run/netns/cni-1234',
      podName: 'productpage-v1-abc',
      podNamespace: 'bookinfo',
      ips: [{ ip: '10.244.1.5', prefixLength: 24, interface: 0, gateway: '10.244.1.1' }],
    });
    expect(JSON.parse(body)).toEqual({
      Netns: '/var/run/netns/cni-1234',
      PodName: 'productpage-v1-abc',
      PodNamespace: 'bookinfo',
      IPs: [
        { Interface: 0, Address: { IP: '10.244.1.5', Mask: '////AA==' }, Gateway: '10.244.1.1' },
      ],
    });
  });

  it('round-trips v4 and v6 addresses with their prefix lengths', () => {
    const event = {
      netns: '/proc/42/ns/net',
      podName: 'p',
      podNamespace: 'ns',
      ips: [
        { ip: '10.0.0.7', prefixLength: 32 },
        { ip: 'fd00::7', prefixLength: 64, interface: 1 },
      ],
    };
    expect(decodeCmdAddEvent(encodeCmdAddEvent(event))).toEqual(event);
  });

  it('decodes a payload as a Go plugin sends it (null Interface and Gateway)', () => {
    const e = decodeCmdAddEvent(
      '{"Netns":"/n","PodName":"a","PodNamespace":"b","IPs":[{"Interface":null,"Address":{"IP":"10.1.2.3","Mask":"//8AAA=="},"Gateway":null}]}',
    );
    expect(e.ips).toEqual([{ ip: '10.1.2.3', prefixLength: 16 }]);
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['a missing Netns', '{"PodName":"a","PodNamespace":"b"}', /Netns/],
    [
      'a bad IP',
      '{"Netns":"/n","PodName":"a","PodNamespace":"b","IPs":[{"Address":{"IP":"x"}}]}',
      /IPs\[0\]/,
    ],
  ])('rejects %s', (_n, body, message) => {
    expect(() => decodeCmdAddEvent(body)).toThrow(PluginEventError);
    expect(() => decodeCmdAddEvent(body)).toThrow(message);
  });

  it('takes the pod IPs from a CNI result', () => {
    expect(
      ipConfigsFromResult({
        cniVersion: '1.0.0',
        interfaces: [{ name: 'eth0' }],
        ips: [
          { address: '10.244.1.5/24', gateway: '10.244.1.1', interface: 0 },
          { address: 'junk' },
        ],
      }),
    ).toEqual([{ ip: '10.244.1.5', prefixLength: 24, gateway: '10.244.1.1', interface: 0 }]);
    expect(ipConfigsFromResult(undefined)).toEqual([]);
  });
});
