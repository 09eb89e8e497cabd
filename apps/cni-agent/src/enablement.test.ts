import { describe, expect, it } from 'vitest';
import {
  ambientEnablement,
  DEFAULT_ENABLEMENT_SELECTORS,
  parseEnablementSelectors,
  type EnablementPolicy,
  type PodFacts,
} from './enablement.js';
import { InvalidSelectorError } from './errors.js';

const policy: EnablementPolicy = {
  selectors: DEFAULT_ENABLEMENT_SELECTORS,
  excludeNamespaces: new Set(['kube-system', 'istio-system']),
  systemNamespace: 'istio-system',
};

const pod = (
  over: {
    ns?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    hostNetwork?: boolean;
  } = {},
): PodFacts => ({
  metadata: {
    name: 'p',
    namespace: over.ns ?? 'default',
    labels: over.labels ?? {},
    annotations: over.annotations ?? {},
  },
  spec: { hostNetwork: over.hostNetwork ?? false },
});

const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };
const NONE = { 'istio.io/dataplane-mode': 'none' };

describe('ambient enablement with the default selectors', () => {
  const table: [string, PodFacts, Record<string, string>, boolean, RegExp?][] = [
    ['namespace labeled ambient enrolls an unlabeled pod', pod(), AMBIENT, true],
    ['pod labeled ambient enrolls in an unlabeled namespace', pod({ labels: AMBIENT }), {}, true],
    ['no label anywhere stays out', pod(), {}, false, /no enablement selector/],
    ['pod label none opts out of an ambient namespace', pod({ labels: NONE }), AMBIENT, false],
    [
      'pod labeled with another mode in an ambient namespace is still enrolled (NotIn none)',
      pod({ labels: { 'istio.io/dataplane-mode': 'sidecar' } }),
      AMBIENT,
      true,
    ],
    ['namespace labeled none does not enroll', pod(), NONE, false],
    [
      'host-network pods are never captured',
      pod({ hostNetwork: true, labels: AMBIENT }),
      AMBIENT,
      false,
      /host network/,
    ],
    [
      'sidecar-injected pods keep their sidecar',
      pod({ annotations: { 'sidecar.istio.io/status': '{}' } }),
      AMBIENT,
      false,
      /sidecar/,
    ],
    [
      'excluded namespaces win over a pod label',
      pod({ ns: 'kube-system', labels: AMBIENT }),
      AMBIENT,
      false,
      /excluded/,
    ],
    [
      'ztunnel in the system namespace is never captured',
      pod({ ns: 'istio-system', labels: { app: 'ztunnel', ...AMBIENT } }),
      AMBIENT,
      false,
      /excluded|ztunnel/,
    ],
    [
      'an app called ztunnel elsewhere is an ordinary pod',
      pod({ ns: 'apps', labels: { app: 'ztunnel' } }),
      AMBIENT,
      true,
    ],
  ];
  it.each(table)('%s', (_name, p, nsLabels, enabled, reason) => {
    const d = ambientEnablement(p, nsLabels, policy);
    expect(d.enabled).toBe(enabled);
    if (!d.enabled && reason) expect(d.reason).toMatch(reason);
  });

  it('ztunnel is recognised even when the system namespace is not excluded', () => {
    const d = ambientEnablement(pod({ ns: 'istio-system', labels: { app: 'ztunnel' } }), AMBIENT, {
      ...policy,
      excludeNamespaces: new Set(),
    });
    expect(d).toEqual({ enabled: false, reason: 'pod is ztunnel' });
  });
});

describe('enablement selectors from configuration', () => {
  it('parses the chart default written as plain data', () => {
    const parsed = parseEnablementSelectors(
      JSON.parse(JSON.stringify(DEFAULT_ENABLEMENT_SELECTORS)),
      'AMBIENT_ENABLEMENT_SELECTOR',
    );
    expect(parsed).toEqual(DEFAULT_ENABLEMENT_SELECTORS);
  });

  it('custom selectors replace the defaults', () => {
    const selectors = parseEnablementSelectors(
      [{ podSelector: { matchExpressions: [{ key: 'mesh', operator: 'Exists' }] } }],
      'x',
    );
    const custom = { ...policy, selectors };
    expect(ambientEnablement(pod({ labels: { mesh: '' } }), {}, custom).enabled).toBe(true);
    expect(ambientEnablement(pod(), AMBIENT, custom).enabled).toBe(false);
  });

  it.each([
    ['not a list', { podSelector: {} }, /must be a list/],
    ['an entry without selectors', [{}], /needs podSelector or namespaceSelector/],
    ['an unknown field', [{ podSelectors: {} }], /unknown field podSelectors/],
    [
      'a bad operator',
      [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'Equals' }] } }],
      /\[0\]\.podSelector\.matchExpressions\[0\]\.operator/,
    ],
    [
      'In without values',
      [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }],
      /must not be empty for In/,
    ],
    ['a non-string label value', [{ podSelector: { matchLabels: { a: 1 } } }], /matchLabels\.a/],
  ])('rejects %s with the path', (_n, raw, message) => {
    expect(() => parseEnablementSelectors(raw, 'sel')).toThrow(InvalidSelectorError);
    expect(() => parseEnablementSelectors(raw, 'sel')).toThrow(message);
  });
});
