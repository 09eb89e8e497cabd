// Whether a pod belongs in the ambient mesh, decided as upstream istio-cni does
// (cni/pkg/util/enablement_selector.go, chart ambient.enablementSelectors): any selector
// whose pod and namespace parts both match enables it; hard exclusions win over selectors.
// Pure: the agent's informer and the CNI plugin both call it.
import {
  parseLabelSelector,
  selectorMatches,
  type LabelSelector,
  type Labels,
} from './label-selector.js';
import { InvalidSelectorError } from './errors.js';

export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
export const DATAPLANE_MODE_AMBIENT = 'ambient';
export const DATAPLANE_MODE_NONE = 'none';
export const SIDECAR_STATUS_ANNOTATION = 'sidecar.istio.io/status';
export const REDIRECTION_ANNOTATION = 'ambient.istio.io/redirection';

export interface EnablementSelector {
  /** Absent: any pod. */
  readonly podSelector?: LabelSelector;
  /** Absent: any namespace. */
  readonly namespaceSelector?: LabelSelector;
}

/** The chart's default `ambient.enablementSelectors`. */
export const DEFAULT_ENABLEMENT_SELECTORS: readonly EnablementSelector[] = [
  { podSelector: { matchLabels: { [DATAPLANE_MODE_LABEL]: DATAPLANE_MODE_AMBIENT } } },
  {
    podSelector: {
      matchExpressions: [
        { key: DATAPLANE_MODE_LABEL, operator: 'NotIn', values: [DATAPLANE_MODE_NONE] },
      ],
    },
    namespaceSelector: { matchLabels: { [DATAPLANE_MODE_LABEL]: DATAPLANE_MODE_AMBIENT } },
  },
];

export interface EnablementPolicy {
  readonly selectors: readonly EnablementSelector[];
  readonly excludeNamespaces: ReadonlySet<string>;
  /** The namespace ztunnel runs in (istio-system): its `app=ztunnel` pods are never captured. */
  readonly systemNamespace: string;
}

/** The parts of a Pod the decision reads (a V1Pod fits). */
export interface PodFacts {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Labels;
    readonly annotations?: Labels;
  };
  readonly spec?: { readonly hostNetwork?: boolean };
}

export type Enablement =
  { readonly enabled: true } | { readonly enabled: false; readonly reason: string };

const NO = (reason: string): Enablement => ({ enabled: false, reason });

export function ambientEnablement(
  pod: PodFacts,
  namespaceLabels: Labels,
  policy: EnablementPolicy,
): Enablement {
  const ns = pod.metadata?.namespace ?? '';
  const labels = pod.metadata?.labels ?? {};
  const annotations = pod.metadata?.annotations ?? {};
  if (policy.excludeNamespaces.has(ns)) return NO(`namespace ${ns} is excluded`);
  if (pod.spec?.hostNetwork === true) return NO('pod uses the host network');
  if (Object.hasOwn(annotations, SIDECAR_STATUS_ANNOTATION)) {
    return NO('pod has a sidecar (sidecar.istio.io/status)');
  }
  if (ns === policy.systemNamespace && labels.app === 'ztunnel') return NO('pod is ztunnel');
  const matched = policy.selectors.some(
    (s) =>
      selectorMatches(s.podSelector ?? {}, labels) &&
      selectorMatches(s.namespaceSelector ?? {}, namespaceLabels),
  );
  return matched ? { enabled: true } : NO('no enablement selector matches');
}

/** Parses the selector list (YAML-decoded chart value or the plugin conf's JSON). */
export function parseEnablementSelectors(raw: unknown, where: string): EnablementSelector[] {
  if (!Array.isArray(raw)) throw new InvalidSelectorError(where, 'must be a list of selectors');
  return raw.map((entry: unknown, i) => {
    const at = `${where}[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new InvalidSelectorError(at, 'must be an object with podSelector/namespaceSelector');
    }
    const e = entry as Record<string, unknown>;
    const unknownKeys = Object.keys(e).filter(
      (k) => k !== 'podSelector' && k !== 'namespaceSelector',
    );
    if (unknownKeys.length > 0) {
      throw new InvalidSelectorError(at, `unknown field ${unknownKeys.join(', ')}`);
    }
    if (e.podSelector == null && e.namespaceSelector == null) {
      throw new InvalidSelectorError(at, 'needs podSelector or namespaceSelector');
    }
    return {
      ...(e.podSelector != null
        ? { podSelector: parseLabelSelector(e.podSelector, `${at}.podSelector`) }
        : {}),
      ...(e.namespaceSelector != null
        ? { namespaceSelector: parseLabelSelector(e.namespaceSelector, `${at}.namespaceSelector`) }
        : {}),
    };
  });
}
