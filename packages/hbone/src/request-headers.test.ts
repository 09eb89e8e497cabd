import { describe, expect, it } from 'vitest';
import { HboneConfigError } from './errors.js';
import {
  connectRequestHeaders,
  formatBaggage,
  formatForwarded,
  newTraceparent,
} from './request-headers.js';

describe('CONNECT request headers', () => {
  it('writes baggage keys in upstream order and skips empty ones', () => {
    expect(
      formatBaggage({
        zone: 'z1',
        region: 'r1',
        canonicalRevision: 'v1',
        canonicalName: 'reviews',
        workloadType: 'deployment',
        workloadName: 'reviews-v1',
        namespace: 'default',
        clusterId: 'Kubernetes',
      }),
    ).toBe(
      'k8s.cluster.name=Kubernetes,k8s.namespace.name=default,k8s.deployment.name=reviews-v1,' +
        'service.name=reviews,service.version=v1,cloud.region=r1,cloud.availability_zone=z1',
    );
    expect(formatBaggage({ namespace: 'ns', region: '', canonicalName: 'svc' })).toBe(
      'k8s.namespace.name=ns,service.name=svc',
    );
    expect(formatBaggage({ workloadName: 'orphan' })).toBe('');
  });

  it('quotes the client address in forwarded and adds host only when service-addressed', () => {
    expect(formatForwarded('10.0.0.1:40000')).toBe('for="10.0.0.1:40000"');
    expect(formatForwarded('[fd00::1]:40000', 'reviews.default.svc.cluster.local')).toBe(
      'for="[fd00::1]:40000";host=reviews.default.svc.cluster.local',
    );
  });

  it('makes a random unsampled W3C traceparent', () => {
    const a = newTraceparent();
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(newTraceparent()).not.toBe(a);
    expect(newTraceparent((n) => Buffer.alloc(n, 0xab))).toBe(
      `00-${'ab'.repeat(16)}-${'ab'.repeat(8)}-00`,
    );
  });

  it('builds a CONNECT with only :method and :authority as pseudo-headers', () => {
    const h = connectRequestHeaders(
      '10.0.0.2:9080',
      {
        baggage: { namespace: 'ns' },
        forwardedFor: '10.0.0.1:5000',
        extra: { 'X-Forwarded-Network': 'n1' },
      },
      (n) => Buffer.alloc(n, 1),
    );
    expect(h).toEqual({
      ':method': 'CONNECT',
      ':authority': '10.0.0.2:9080',
      baggage: 'k8s.namespace.name=ns',
      forwarded: 'for="10.0.0.1:5000"',
      traceparent: `00-${'01'.repeat(16)}-${'01'.repeat(8)}-00`,
      'x-forwarded-network': 'n1',
    });
    expect(connectRequestHeaders('1.2.3.4:1', {})).not.toHaveProperty('baggage');
  });

  it('refuses extra headers that would smuggle pseudo-headers', () => {
    expect(() => connectRequestHeaders('1.2.3.4:1', { extra: { ':path': '/' } })).toThrow(
      HboneConfigError,
    );
  });
});
