// Route selection: the first route with a matching RouteMatch wins. Within a
// RouteMatch every set part must hold; a route's matches are ORed.

import { asciiLower, matchesL7String } from '@ambient-ts/policy';
import type { CompiledMatch, CompiledRoute, PathMatcher } from './compiled.js';

export interface MatchInput {
  readonly method: string;
  /** Normalized path without the query. */
  readonly path: string;
  /** The normalized path with its query: what `:path` holds after Envoy's normalization. */
  readonly target: string;
  readonly query: string;
  readonly scheme: string;
  readonly authority: string;
  /** Lower-case names. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

export function pathMatches(m: PathMatcher, path: string): boolean {
  if (m.kind === 'regex') return m.regex.fullMatch(path);
  const p = m.ignoreCase ? asciiLower(path) : path;
  switch (m.kind) {
    case 'exact':
      return p === m.value;
    case 'prefix':
      return p.startsWith(m.value);
    case 'path_prefix':
      return m.value === '' || p === m.value || p.startsWith(`${m.value}/`);
  }
}

/** A header's value as matched: `host` is `:authority`; repeated values joined with `,`. */
function headerValue(input: MatchInput, name: string): string | undefined {
  switch (name) {
    case 'host':
    case ':authority':
      return input.authority;
    case ':method':
      return input.method;
    case ':path':
      return input.target;
    case ':scheme':
      return input.scheme;
  }
  const values = input.headers.get(name);
  return values === undefined || values.length === 0 ? undefined : values.join(',');
}

/** The first occurrence of a query parameter, as sent (not percent-decoded, as Envoy). */
export function queryParam(query: string, name: string): string | undefined {
  if (query === '') return undefined;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (key === name) return eq < 0 ? '' : part.slice(eq + 1);
  }
  return undefined;
}

export function routeMatchHolds(m: CompiledMatch, input: MatchInput): boolean {
  if (m.path && !pathMatches(m.path, input.path)) return false;
  if (m.method && !matchesL7String(m.method, input.method)) return false;
  for (const h of m.headers) {
    const value = headerValue(input, h.name);
    const matched = value !== undefined && matchesL7String(h.value, value);
    if (matched === h.invert) return false;
  }
  for (const q of m.query) {
    const value = queryParam(input.query, q.name);
    if (value === undefined || !matchesL7String(q.value, value)) return false;
  }
  return true;
}

export interface SelectedRoute {
  readonly route: CompiledRoute;
  /** The RouteMatch that held; undefined for a route without matches. */
  readonly match?: CompiledMatch;
}

export function selectRoute(
  routes: readonly CompiledRoute[],
  input: MatchInput,
): SelectedRoute | undefined {
  for (const route of routes) {
    if (route.matches.length === 0) return { route };
    const match = route.matches.find((m) => routeMatchHolds(m, input));
    if (match) return { route, match };
  }
  return undefined;
}
