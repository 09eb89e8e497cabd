// waypoint.Route → CompiledRoute, rejecting what the executor cannot run
// exactly (see waypoint.proto).

import { asciiLower, Re2Pattern } from '@ambient-ts/policy';
import type { waypoint } from '@ambient-ts/xds-types';
import type {
  CompiledAction,
  CompiledFault,
  CompiledMatch,
  CompiledRoute,
  HeaderMatcher,
  PathMatcher,
} from './compiled.js';
import type { ListenerReader } from './listener-reader.js';
import { DEFAULT_BACKOFF_BASE_MS, RETRY_ON_TOKENS, retryPlan } from './retry-plan.js';
import type { RetryPlan } from './types.js';

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
/** Pseudo-headers a route can match (`host` reads as `:authority`). */
const MATCHABLE_PSEUDO = new Set([':authority', ':method', ':path', ':scheme']);

const isResponseStatus = (c: number): boolean => c >= 200 && c <= 599;

function compilePath(r: ListenerReader, p: waypoint.PathMatch, field: string): PathMatcher {
  const k = p.kind;
  switch (k.case) {
    case undefined:
      return r.fail(field, 'no path match kind set (exact, prefix, path_prefix or regex)');
    case 'regex': {
      const regex = Re2Pattern.compile(k.value);
      return 'error' in regex ? r.fail(`${field}.regex`, regex.error) : { kind: 'regex', regex };
    }
    case 'pathPrefix': {
      const trimmed = k.value.endsWith('/') ? k.value.slice(0, -1) : k.value;
      const value = p.ignoreCase ? asciiLower(trimmed) : trimmed;
      return { kind: 'path_prefix', value, ignoreCase: p.ignoreCase };
    }
    default:
      return {
        kind: k.case,
        value: p.ignoreCase ? asciiLower(k.value) : k.value,
        ignoreCase: p.ignoreCase,
      };
  }
}

function compileMatch(r: ListenerReader, m: waypoint.RouteMatch, field: string): CompiledMatch {
  const headers: HeaderMatcher[] = m.headers.map((h, i) => {
    const at = `${field}.headers[${i}]`;
    if (h.name === '' || h.name !== h.name.toLowerCase()) {
      r.fail(`${at}.name`, `${JSON.stringify(h.name)} is not a lower-case header name`);
    }
    if (h.name.startsWith(':') && !MATCHABLE_PSEUDO.has(h.name)) {
      r.fail(`${at}.name`, `pseudo-header ${h.name} cannot be matched`);
    }
    return { name: h.name, value: r.stringMatch(h.value, `${at}.value`), invert: h.invert };
  });
  const query = m.queryParams.map((q, i) => {
    const at = `${field}.query_params[${i}]`;
    if (q.name === '') r.fail(`${at}.name`, 'must not be empty');
    return { name: q.name, value: r.stringMatch(q.value, `${at}.value`) };
  });
  return {
    ...(m.path && { path: compilePath(r, m.path, `${field}.path`) }),
    headers,
    query,
    ...(m.method && { method: r.stringMatch(m.method, `${field}.method`) }),
  };
}

/** replace_prefix_match needs a prefix to replace: no regex path match may select the route. */
function checkPrefixRewrite(
  r: ListenerReader,
  matches: readonly CompiledMatch[],
  path: waypoint.UrlRewrite['path'] | waypoint.Redirect['path'],
  field: string,
): void {
  if (path.case === 'replaceFullPath' && !path.value.startsWith('/')) {
    r.fail(`${field}.replace_full_path`, `${JSON.stringify(path.value)} does not start with /`);
  }
  if (path.case !== 'replacePrefixMatch') return;
  if (path.value !== '' && !path.value.startsWith('/')) {
    r.fail(`${field}.replace_prefix_match`, `${JSON.stringify(path.value)} does not start with /`);
  }
  if (matches.some((m) => m.path?.kind === 'regex')) {
    r.fail(
      `${field}.replace_prefix_match`,
      'needs exact, prefix or path_prefix path matches; a regex match has no prefix to replace',
    );
  }
}

function compileAction(
  r: ListenerReader,
  route: waypoint.Route,
  matches: readonly CompiledMatch[],
  field: string,
): CompiledAction {
  const a = route.action;
  switch (a.case) {
    case undefined:
      return r.fail(`${field}.action`, 'no action set (forward, redirect or direct_response)');
    case 'forward':
      r.weightedBackends(a.value.backends, `${field}.forward.backends`);
      return { kind: 'forward', backends: a.value.backends };
    case 'redirect': {
      const at = `${field}.redirect`;
      const rd = a.value;
      r.status(
        rd.statusCode,
        `${at}.status_code`,
        (c) => REDIRECT_CODES.has(c),
        'a redirect status (301, 302, 303, 307, 308)',
      );
      if (rd.scheme !== '' && rd.scheme !== 'http' && rd.scheme !== 'https') {
        r.fail(`${at}.scheme`, `${JSON.stringify(rd.scheme)} is not http or https`);
      }
      if (rd.port > 65535) r.fail(`${at}.port`, `${rd.port} is not a port`);
      if (/[\s/?#@]/.test(rd.hostname)) {
        r.fail(`${at}.hostname`, `${JSON.stringify(rd.hostname)} is not a host name`);
      }
      checkPrefixRewrite(r, matches, rd.path, at);
      return { kind: 'redirect', redirect: rd };
    }
    case 'directResponse':
      r.status(
        a.value.status,
        `${field}.direct_response.status`,
        isResponseStatus,
        'an HTTP status (200-599)',
      );
      return { kind: 'direct', status: a.value.status, body: a.value.body };
  }
}

function compileRetry(
  r: ListenerReader,
  p: waypoint.RetryPolicy,
  field: string,
): RetryPlan | undefined {
  p.retryOn.forEach((token, i) => {
    if (!RETRY_ON_TOKENS.has(token)) {
      r.fail(`${field}.retry_on[${i}]`, `unknown retry condition ${JSON.stringify(token)}`);
    }
  });
  p.retriableStatusCodes.forEach((c, i) => {
    r.status(
      c,
      `${field}.retriable_status_codes[${i}]`,
      (s) => s >= 100 && s <= 599,
      'an HTTP status',
    );
  });
  let backoffBaseMs = DEFAULT_BACKOFF_BASE_MS;
  if (p.backoffBaseInterval) {
    backoffBaseMs = r.durationMs(p.backoffBaseInterval, `${field}.backoff_base_interval`);
    if (backoffBaseMs === 0) r.fail(`${field}.backoff_base_interval`, 'must be positive');
  }
  if (p.attempts === 0) return undefined;
  return retryPlan({
    attempts: p.attempts,
    retryOn: p.retryOn,
    retriableStatusCodes: p.retriableStatusCodes,
    backoffBaseMs,
  });
}

function compileFault(r: ListenerReader, f: waypoint.FaultInjection, field: string): CompiledFault {
  let delay: CompiledFault['delay'];
  let abort: CompiledFault['abort'];
  if (f.delay) {
    if (!f.delay.fixedDelay) r.fail(`${field}.delay.fixed_delay`, 'must be set');
    delay = {
      ms: r.durationMs(f.delay.fixedDelay, `${field}.delay.fixed_delay`),
      percent: r.percent(f.delay.percentage, `${field}.delay.percentage`),
    };
  }
  if (f.abort) {
    abort = {
      status: r.status(
        f.abort.httpStatus,
        `${field}.abort.http_status`,
        isResponseStatus,
        'an HTTP status (200-599)',
      ),
      percent: r.percent(f.abort.percentage, `${field}.abort.percentage`),
    };
  }
  return { ...(delay && { delay }), ...(abort && { abort }) };
}

export function compileRoute(
  r: ListenerReader,
  route: waypoint.Route,
  field: string,
): CompiledRoute {
  const matches = route.matches.map((m, i) => compileMatch(r, m, `${field}.matches[${i}]`));
  const action = compileAction(r, route, matches, field);
  r.headerModifier(route.requestHeaders, `${field}.request_headers`);
  r.headerModifier(route.responseHeaders, `${field}.response_headers`);
  if (action.kind !== 'forward') {
    if (route.rewrite) r.fail(`${field}.rewrite`, 'is only allowed with forward');
    if (route.mirrors.length > 0) r.fail(`${field}.mirrors`, 'are only allowed with forward');
  }
  if (route.rewrite) {
    const rw = route.rewrite;
    if (/[\s/?#@]/.test(rw.hostname)) {
      r.fail(`${field}.rewrite.hostname`, `${JSON.stringify(rw.hostname)} is not an authority`);
    }
    checkPrefixRewrite(r, matches, rw.path, `${field}.rewrite`);
  }
  const mirrors = route.mirrors.map((m, i) => ({
    backend: r.backend(m.backend, `${field}.mirrors[${i}].backend`),
    percent: r.percent(m.percentage, `${field}.mirrors[${i}].percentage`),
  }));
  const requestTimeoutMs = r.durationMs(route.timeouts?.request, `${field}.timeouts.request`);
  const perTryTimeoutMs = r.durationMs(route.timeouts?.perTry, `${field}.timeouts.per_try`);
  const retry = route.retry && compileRetry(r, route.retry, `${field}.retry`);
  const fault = route.fault && compileFault(r, route.fault, `${field}.fault`);
  return {
    ...(route.name !== '' && { name: route.name }),
    matches,
    action,
    ...(route.requestHeaders && { requestHeaders: route.requestHeaders }),
    ...(route.responseHeaders && { responseHeaders: route.responseHeaders }),
    ...(route.rewrite && { rewrite: route.rewrite }),
    mirrors,
    ...(requestTimeoutMs > 0 && { requestTimeoutMs }),
    ...(perTryTimeoutMs > 0 && { perTryTimeoutMs }),
    ...(retry && { retry }),
    ...(fault && (fault.delay || fault.abort) && { fault }),
  };
}
