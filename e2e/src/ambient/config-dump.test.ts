import { describe, expect, it } from 'vitest';
import { ConfigDumpError, dumpWorkloads, podsWithoutProtocol } from './config-dump.js';

const DUMP = JSON.stringify({
  workloads: [
    {
      workloadIps: ['10.244.0.7'],
      protocol: 'HBONE',
      uid: 'Kubernetes//Pod/bi/details-v1-abc',
      name: 'details-v1-abc',
      namespace: 'bi',
      serviceAccount: 'bookinfo-details',
      node: 'node-1',
    },
    { workloadIps: ['10.244.1.3'], name: 'curl-xyz', namespace: 'bi' },
    { workloadIps: ['10.244.1.9'], name: 'coredns-1', namespace: 'kube-system' },
  ],
  services: [],
  policies: [],
  certificates: [],
});

describe('reading workloads from config_dump', () => {
  it('reads names, protocol (TCP when omitted), service account and IPs', () => {
    const w = dumpWorkloads(DUMP);
    expect(w).toHaveLength(3);
    expect(w[0]).toMatchObject({
      name: 'details-v1-abc',
      protocol: 'HBONE',
      serviceAccount: 'bookinfo-details',
      workloadIps: ['10.244.0.7'],
      node: 'node-1',
    });
    expect(w[1]?.protocol).toBe('TCP');
  });

  it('accepts workloads as a map keyed by uid', () => {
    const w = dumpWorkloads(JSON.stringify({ workloads: { a: { name: 'x', namespace: 'y' } } }));
    expect(w.map((x) => x.name)).toEqual(['x']);
  });

  it('says what is wrong with something that is not a config_dump', () => {
    expect(() => dumpWorkloads('<html>')).toThrow(ConfigDumpError);
    expect(() => dumpWorkloads('{"services":[]}')).toThrow(/no "workloads" \(keys: services\)/);
  });

  it('lists the pods that are missing or not on the wanted protocol', () => {
    const w = dumpWorkloads(DUMP);
    expect(podsWithoutProtocol(w, 'bi', ['details-v1-abc', 'curl-xyz', 'gone'], 'HBONE')).toEqual([
      'curl-xyz: protocol TCP',
      'gone: not in config_dump',
    ]);
    expect(podsWithoutProtocol(w, 'bi', ['details-v1-abc'], 'HBONE')).toEqual([]);
  });
});
