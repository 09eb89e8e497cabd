// The string matcher of the waypoint config (ambient_ts.waypoint.v1.StringMatch),
// shared by L7 policies and the waypoint's route matching: the four policy
// forms, their ASCII case-insensitive variants, and full-match RE2 regexes.

import type { waypoint } from '@ambient-ts/xds-types';
import { Re2Pattern } from './re2.js';
import { matchesString, type StringMatcher } from './string-match.js';

/** exact/prefix/suffix compared ASCII case-insensitively; `value` is stored lower-cased. */
export interface CaselessMatcher {
  readonly kind: 'caseless';
  readonly op: 'exact' | 'prefix' | 'suffix';
  readonly value: string;
}

/** An RE2 regex that must match the whole value (never case-folded). */
export interface RegexMatcher {
  readonly kind: 'regex';
  readonly regex: Re2Pattern;
}

export type L7StringMatcher = StringMatcher | CaselessMatcher | RegexMatcher;

/**
 * Envoy's ignore_case folds ASCII only; JavaScript's toLowerCase would also
 * fold e.g. `K` (Kelvin sign) to `k` and widen a match.
 */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function matchesL7String(m: L7StringMatcher, value: string): boolean {
  switch (m.kind) {
    case 'caseless': {
      const v = asciiLower(value);
      if (m.op === 'exact') return v === m.value;
      return m.op === 'prefix' ? v.startsWith(m.value) : v.endsWith(m.value);
    }
    case 'regex':
      return m.regex.fullMatch(value);
    default:
      return matchesString(m, value);
  }
}

/** Reads a wire StringMatch, or says why it cannot be read exactly. */
export function stringMatchFromProto(
  m: waypoint.StringMatch,
): L7StringMatcher | { readonly error: string } {
  const k = m.kind;
  switch (k.case) {
    case undefined:
      return { error: 'no match kind set (exact, prefix, suffix, regex or presence)' };
    case 'presence':
      return { kind: 'presence' };
    case 'regex': {
      const regex = Re2Pattern.compile(k.value);
      return 'error' in regex ? regex : { kind: 'regex', regex };
    }
    default:
      return m.ignoreCase
        ? { kind: 'caseless', op: k.case, value: asciiLower(k.value) }
        : { kind: k.case, value: k.value };
  }
}

/** The spelling of a matcher, for reasons and config dumps. */
export function formatL7StringMatcher(m: L7StringMatcher): string {
  switch (m.kind) {
    case 'caseless':
      return `${m.op}:${m.value} (ignore case)`;
    case 'regex':
      return `regex:${m.regex.source}`;
    case 'presence':
      return 'presence';
    default:
      return `${m.kind}:${m.value}`;
  }
}
