// The four string-match forms AuthorizationPolicy values use, the same oneof
// istio.security.StringMatch carries. Values are compared literally: never
// build a regular expression from a user string (CVE-2026-39350).

export type StringMatcher =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'presence' };

/**
 * Reads a policy value the way istiod does: `*` is presence (any non-empty
 * value), `*suffix` a suffix match, `prefix*` a prefix match, anything else an
 * exact match (a `*` in the middle is a literal character).
 */
export function toStringMatcher(value: string): StringMatcher {
  if (value === '*') return { kind: 'presence' };
  if (value.startsWith('*')) return { kind: 'suffix', value: value.slice(1) };
  if (value.endsWith('*')) return { kind: 'prefix', value: value.slice(0, -1) };
  return { kind: 'exact', value };
}

export function matchesString(matcher: StringMatcher, candidate: string): boolean {
  switch (matcher.kind) {
    case 'exact':
      return candidate === matcher.value;
    case 'prefix':
      return candidate.startsWith(matcher.value);
    case 'suffix':
      return candidate.endsWith(matcher.value);
    case 'presence':
      return candidate !== '';
  }
}

/** The policy-value spelling of a matcher, for reasons and debugging. */
export function formatStringMatcher(matcher: StringMatcher): string {
  switch (matcher.kind) {
    case 'exact':
      return matcher.value;
    case 'prefix':
      return `${matcher.value}*`;
    case 'suffix':
      return `*${matcher.value}`;
    case 'presence':
      return '*';
  }
}
