import { describe, expect, it } from 'vitest';
import { DEFAULT_ENABLEMENT_SELECTORS, type EnablementPolicy } from '../enablement.js';
import { podAction } from './pod-action.js';
import type { PodView } from './pod-facts.js';

const policy: EnablementPolicy = {
  selectors: DEFAULT_ENABLEMENT_SELECTORS,
  excludeNamespaces: new Set(['kube-system']),
  systemNamespace: 'istio-system',
};
const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

const pod = (
  o: {
    node?: string;
    ip?: string;
    phase?: string;
    annotated?: boolean;
    labels?: Record<string, string>;
  } = {},
): PodView => ({
  metadata: {
    name: 'p',
    namespace: 'apps',
    uid: 'u',
    labels: o.labels ?? {},
    annotations: o.annotated ? { 'ambient.istio.io/redirection': 'enabled' } : {},
  },
  spec: { nodeName: o.node ?? 'n1' },
  status: { phase: o.phase ?? 'Running', ...(o.ip === '' ? {} : { podIP: o.ip ?? '10.0.0.5' }) },
});

describe('what an informer event means for a pod', () => {
  it.each([
    ['a running pod in a newly labeled namespace is added', pod(), AMBIENT, false, 'add'],
    ['an already known pod is not added again', pod(), AMBIENT, true, 'none'],
    ['a pod without an IP yet is left to the CNI plugin', pod({ ip: '' }), AMBIENT, false, 'none'],
    ['a pod on another node is not ours', pod({ node: 'n2' }), AMBIENT, false, 'none'],
    [
      'a known pod whose namespace lost the label is removed',
      pod({ annotated: true }),
      {},
      true,
      'remove',
    ],
    [
      'an annotated pod we do not know (agent restarted) is removed when unselected',
      pod({ annotated: true }),
      {},
      false,
      'remove',
    ],
    ['an unselected pod we never touched stays untouched', pod(), {}, false, 'none'],
    ['a finished Job pod is forgotten', pod({ phase: 'Succeeded' }), AMBIENT, true, 'forget'],
    ['a failed pod we never knew needs nothing', pod({ phase: 'Failed' }), AMBIENT, false, 'none'],
    [
      'opting out with the none label removes it',
      pod({ labels: { 'istio.io/dataplane-mode': 'none' } }),
      AMBIENT,
      true,
      'remove',
    ],
  ])('%s', (_n, p, nsLabels, known, expected) => {
    expect(podAction(p, nsLabels, policy, { known, nodeName: 'n1' })).toBe(expected);
  });
});
