// Kubernetes label selectors (metav1.LabelSelector) evaluated against a label map: the
// enablement selectors of istio-cni are plain label selectors over pods and namespaces.
import { InvalidSelectorError } from './errors.js';

export type Labels = Readonly<Record<string, string>>;

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** An empty selector ({} or no terms) matches everything, as in Kubernetes. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.operator) {
      case 'In':
        if (!has || value === undefined || !(req.values ?? []).includes(value)) return false;
        break;
      case 'NotIn':
        // A missing label is "not in" any set (Kubernetes semantics).
        if (has && value !== undefined && (req.values ?? []).includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Checks an untrusted value (YAML from the chart, JSON from the plugin conf) is a selector. */
export function parseLabelSelector(raw: unknown, where: string): LabelSelector {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidSelectorError(where, 'must be an object with matchLabels/matchExpressions');
  }
  const o = raw as Record<string, unknown>;
  const out: { matchLabels?: Labels; matchExpressions?: LabelSelectorRequirement[] } = {};
  if (o.matchLabels !== undefined && o.matchLabels !== null) {
    const ml = o.matchLabels;
    if (typeof ml !== 'object' || Array.isArray(ml)) {
      throw new InvalidSelectorError(`${where}.matchLabels`, 'must map label keys to values');
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(ml as Record<string, unknown>)) {
      if (typeof v !== 'string') {
        throw new InvalidSelectorError(`${where}.matchLabels.${k}`, 'must be a string');
      }
      labels[k] = v;
    }
    out.matchLabels = labels;
  }
  if (o.matchExpressions !== undefined && o.matchExpressions !== null) {
    if (!Array.isArray(o.matchExpressions)) {
      throw new InvalidSelectorError(`${where}.matchExpressions`, 'must be a list');
    }
    out.matchExpressions = o.matchExpressions.map((e: unknown, i) => {
      const at = `${where}.matchExpressions[${i}]`;
      const r = e as Record<string, unknown> | null;
      if (typeof r !== 'object' || r === null)
        throw new InvalidSelectorError(at, 'must be an object');
      if (typeof r.key !== 'string' || r.key === '') {
        throw new InvalidSelectorError(`${at}.key`, 'must be a non-empty string');
      }
      if (typeof r.operator !== 'string' || !OPERATORS.has(r.operator)) {
        throw new InvalidSelectorError(
          `${at}.operator`,
          'must be In, NotIn, Exists or DoesNotExist',
        );
      }
      const values = r.values ?? [];
      if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) {
        throw new InvalidSelectorError(`${at}.values`, 'must be a list of strings');
      }
      const needsValues = r.operator === 'In' || r.operator === 'NotIn';
      if (needsValues !== values.length > 0) {
        throw new InvalidSelectorError(
          `${at}.values`,
          needsValues ? `must not be empty for ${r.operator}` : `must be empty for ${r.operator}`,
        );
      }
      return {
        key: r.key,
        operator: r.operator as LabelSelectorRequirement['operator'],
        ...(values.length > 0 ? { values: values } : {}),
      };
    });
  }
  return out;
}
