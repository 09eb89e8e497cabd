// RE2 regular expressions from waypoint config (route and policy regexes).
// They run on every request against attacker-chosen input, so they use a
// linear-time engine (re2js, a port of RE2) instead of V8's backtracking one,
// and they are length-capped (ISTIO-SECURITY-2026-006: uncapped user regexes
// exhausted istiod).

import { RE2JS } from 're2js';

/** Longest pattern accepted, as upstream caps user regexes. */
export const MAX_REGEX_LENGTH = 1024;

/** A compiled RE2 pattern that must match the whole value. */
export class Re2Pattern {
  private constructor(
    readonly source: string,
    private readonly compiled: RE2JS,
  ) {}

  /** The pattern, or why it is not one RE2 accepts. */
  static compile(source: string): Re2Pattern | { readonly error: string } {
    if (source.length > MAX_REGEX_LENGTH) {
      return {
        error: `regex is ${source.length} characters long; at most ${MAX_REGEX_LENGTH} are accepted`,
      };
    }
    try {
      return new Re2Pattern(source, RE2JS.compile(source));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { error: `invalid RE2 regex ${JSON.stringify(source)}: ${why}` };
    }
  }

  /** Whether the whole value matches (RE2 FullMatch, as Envoy's safe_regex). */
  fullMatch(value: string): boolean {
    return this.compiled.matches(value);
  }
}
