// Path and Location rewriting for UrlRewrite and Redirect. The query string
// is carried over unless the new path brings its own (Envoy's rule for
// path_redirect).

import type { waypoint } from '@ambient-ts/xds-types';
import type { PathMatcher } from './compiled.js';

/**
 * Replaces the part of `path` the route's path match consumed.
 * - no path match: Envoy's route prefix `/`;
 * - exact: the whole path;
 * - prefix (VirtualService): that many characters;
 * - path_prefix (Gateway API): whole segments, joined with exactly one `/`
 *   (`/foo` → `/xyz` turns `/foo/bar` into `/xyz/bar`, `/foo` into `/xyz`,
 *   and with `/` or an empty replacement into `/bar` and `/`).
 * Regex matches have no prefix; compileListener rejects that combination.
 */
export function replacePrefixMatch(
  path: string,
  matched: PathMatcher | undefined,
  replacement: string,
): string {
  if (matched === undefined) return replacement + path.slice(1);
  switch (matched.kind) {
    case 'exact':
      return replacement;
    case 'prefix':
      return replacement + path.slice(matched.value.length);
    case 'path_prefix': {
      const rest = path.slice(matched.value.length); // '' or starts with '/'
      const head = replacement.endsWith('/') ? replacement.slice(0, -1) : replacement;
      const joined = head + rest;
      if (joined === '') return '/';
      return joined.startsWith('/') ? joined : `/${joined}`;
    }
    case 'regex':
      throw new Error('replace_prefix_match with a regex path match (rejected at compile time)');
  }
}

export function withQuery(path: string, query: string): string {
  if (path.includes('?') || query === '') return path;
  return `${path}?${query}`;
}

/** The new path for a UrlRewrite or Redirect path oneof; undefined keeps the path. */
export function rewrittenPath(
  rule: waypoint.UrlRewrite['path'] | waypoint.Redirect['path'],
  path: string,
  matched: PathMatcher | undefined,
): string {
  switch (rule.case) {
    case 'replaceFullPath':
      return rule.value;
    case 'replacePrefixMatch':
      return replacePrefixMatch(path, matched, rule.value);
    default:
      return path;
  }
}

/** The host of an authority without its port (`[v6]` keeps its brackets). */
export function hostOf(authority: string): string {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    return close < 0 ? authority : authority.slice(0, close + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon >= 0 && /^[0-9]*$/.test(authority.slice(colon + 1))
    ? authority.slice(0, colon)
    : authority;
}

export interface RedirectInput {
  readonly scheme: string;
  readonly authority: string;
  /** Normalized path, without the query. */
  readonly path: string;
  readonly query: string;
}

/** The Location of a redirect: unset fields keep the request's scheme, host and path. */
export function redirectLocation(
  r: waypoint.Redirect,
  req: RedirectInput,
  matched: PathMatcher | undefined,
): string {
  const scheme = r.scheme === '' ? req.scheme : r.scheme;
  const host = r.hostname === '' ? hostOf(req.authority) : r.hostname;
  const port = r.port === 0 ? '' : `:${r.port}`;
  const path = withQuery(rewrittenPath(r.path, req.path, matched), req.query);
  return `${scheme}://${host}${port}${path}`;
}
