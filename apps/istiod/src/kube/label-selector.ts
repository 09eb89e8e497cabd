// metav1.LabelSelector, read from untrusted JSON. A selector that cannot be
// read is an error the caller reports (status or log) and then treats in the
// direction that grants less: it never silently becomes "select everything"
// for a permission, nor "select nothing" for a restriction.

import { asArray, asRecord, asString } from './objects.js';

export type LabelSelector = (labels: Readonly<Record<string, string>>) => boolean;

export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Parses `{matchLabels, matchExpressions}`. An absent or empty selector
 * matches everything (Kubernetes semantics). Throws LabelSelectorError.
 */
export function parseLabelSelector(value: unknown, path: string): LabelSelector {
  if (value === undefined || value === null) return () => true;
  const rec = asRecord(value);
  if (!rec) throw new LabelSelectorError(path, 'must be an object');
  const tests: ((labels: Readonly<Record<string, string>>) => boolean)[] = [];
  const matchLabels = rec.matchLabels;
  if (matchLabels !== undefined && matchLabels !== null) {
    const ml = asRecord(matchLabels);
    if (!ml) throw new LabelSelectorError(`${path}.matchLabels`, 'must be a map of strings');
    for (const [k, v] of Object.entries(ml)) {
      if (typeof v !== 'string') {
        throw new LabelSelectorError(
          `${path}.matchLabels.${k}`,
          `must be a string, got ${typeof v}`,
        );
      }
      tests.push((labels) => labels[k] === v);
    }
  }
  const expressions = rec.matchExpressions;
  if (expressions !== undefined && expressions !== null) {
    if (!Array.isArray(expressions)) {
      throw new LabelSelectorError(`${path}.matchExpressions`, 'must be a list');
    }
    asArray(expressions).forEach((raw, i) => {
      const at = `${path}.matchExpressions[${i}]`;
      const expr = asRecord(raw);
      const key = asString(expr?.key);
      const operator = asString(expr?.operator);
      if (!expr || !key) throw new LabelSelectorError(at, 'key is required');
      if (!operator || !OPERATORS.has(operator)) {
        throw new LabelSelectorError(
          `${at}.operator`,
          `unknown operator ${JSON.stringify(expr.operator)} (In, NotIn, Exists, DoesNotExist)`,
        );
      }
      const values = expr.values === undefined || expr.values === null ? [] : expr.values;
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
        throw new LabelSelectorError(`${at}.values`, 'must be a list of strings');
      }
      const set = new Set(values as string[]);
      if ((operator === 'In' || operator === 'NotIn') && set.size === 0) {
        throw new LabelSelectorError(`${at}.values`, `must be non-empty for ${operator}`);
      }
      if ((operator === 'Exists' || operator === 'DoesNotExist') && set.size > 0) {
        throw new LabelSelectorError(`${at}.values`, `must be empty for ${operator}`);
      }
      switch (operator) {
        case 'In':
          tests.push((labels) => labels[key] !== undefined && set.has(labels[key]));
          break;
        case 'NotIn':
          tests.push((labels) => labels[key] === undefined || !set.has(labels[key]));
          break;
        case 'Exists':
          tests.push((labels) => labels[key] !== undefined);
          break;
        default:
          tests.push((labels) => labels[key] === undefined);
      }
    });
  }
  return (labels) => tests.every((t) => t(labels));
}

/** A map selector (Service.spec.selector): every pair must match; empty matches nothing here. */
export function selectsLabels(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return false;
  const entries = Object.entries(selector);
  if (entries.length === 0) return false;
  return entries.every(([k, v]) => labels[k] === v);
}
