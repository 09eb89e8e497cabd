// One HTTP request → what the I/O layer does with it. Order (Envoy's filter
// chain as istio builds it for a waypoint): authorization, route selection,
// that route's fault (abort, delay), then the route's action.

import { normalizeRequestPath } from '@ambient-ts/policy';
import type { waypoint } from '@ambient-ts/xds-types';
import { authorize, type AuthzResult } from './authorize.js';
import type { CompiledMatch, CompiledRoute } from './compiled.js';
import { internalsOf, type CompiledListener } from './compile-listener.js';
import { applyHeaderModifiers, forwardedRequestHeaders } from './header-modifiers.js';
import { redirectLocation, rewrittenPath, withQuery } from './path-rewrite.js';
import { selectRoute, type MatchInput } from './route-match.js';
import type { HttpRequestView, OutgoingHeaders, RequestPlan } from './types.js';
import { percentHits, pickWeighted } from './weighted-pick.js';

export const DENY_BODY = 'RBAC: access denied';
export const FAULT_ABORT_BODY = 'fault filter abort';

type Respond = Extract<RequestPlan, { kind: 'respond' }>;

interface RespondExtra {
  readonly route?: string;
  readonly headers?: OutgoingHeaders;
  /** The route's response_headers, applied last. */
  readonly modifiers?: readonly (waypoint.HeaderModifier | undefined)[];
  readonly body?: string;
  readonly delayMs?: number;
}

function respond(status: number, reason: Respond['reason'], extra: RespondExtra = {}): RequestPlan {
  const body = extra.body ?? '';
  const base: OutgoingHeaders = {
    ...(body !== '' && { 'content-type': 'text/plain' }),
    ...extra.headers,
  };
  return {
    kind: 'respond',
    status,
    headers: applyHeaderModifiers(extra.modifiers ?? [], base),
    body,
    reason,
    ...(extra.route !== undefined && { route: extra.route }),
    ...(extra.delayMs !== undefined && { delayMs: extra.delayMs }),
  };
}

function headerMap(headers: HttpRequestView['headers']): Map<string, readonly string[]> {
  const map = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    const list = map.get(key) ?? [];
    list.push(...(typeof value === 'string' ? [value] : value));
    map.set(key, list);
  }
  return map;
}

function dryRunOf(a: AuthzResult): { dryRun?: AuthzResult['dryRun'] } {
  return a.dryRun ? { dryRun: a.dryRun } : {};
}

/** What a forward needs besides the route: the request as read, and what was decided before. */
interface ForwardContext {
  readonly req: HttpRequestView;
  /** Normalized path and query. */
  readonly path: string;
  readonly query: string;
  readonly authz: AuthzResult;
  readonly delayMs?: number;
  readonly random: () => number;
}

/**
 * `target` is either a route (its weighted backends, rewrite, modifiers,
 * timeouts, retry, mirrors) or, when nothing routes the listener, its own
 * service port forwarded as is.
 */
function forward(
  target:
    | {
        readonly route: CompiledRoute;
        readonly match?: CompiledMatch;
        readonly backends: readonly waypoint.WeightedBackend[];
      }
    | { readonly own: waypoint.Backend },
  ctx: ForwardContext,
): RequestPlan {
  const { req, path, query, authz, delayMs, random } = ctx;
  const route = 'route' in target ? target.route : undefined;
  const routeName = route?.name;
  const picked = 'backends' in target ? pickWeighted(target.backends, random) : undefined;
  const backend = 'own' in target ? target.own : picked?.backend;
  if (!backend) {
    return respond(500, 'no-backend', { ...(routeName !== undefined && { route: routeName }) });
  }
  const rewrite = route?.rewrite;
  const matched = 'match' in target ? target.match?.path : undefined;
  const newPath = rewrite ? rewrittenPath(rewrite.path, path, matched) : path;
  const authority = rewrite && rewrite.hostname !== '' ? rewrite.hostname : req.authority;
  const mirrors = (route?.mirrors ?? [])
    .filter((m) => percentHits(m.percent, random))
    .map((m) => m.backend);
  return {
    kind: 'forward',
    ...(routeName !== undefined && { route: routeName }),
    backend,
    method: req.method,
    path: withQuery(newPath, query),
    authority,
    headers: applyHeaderModifiers(
      [route?.requestHeaders, picked?.requestHeaders],
      forwardedRequestHeaders(req.headers),
    ),
    responseModifiers: [picked?.responseHeaders, route?.responseHeaders].filter(
      (m): m is waypoint.HeaderModifier => m !== undefined,
    ),
    ...(route?.requestTimeoutMs !== undefined && { requestTimeoutMs: route.requestTimeoutMs }),
    ...(route?.perTryTimeoutMs !== undefined && { perTryTimeoutMs: route.perTryTimeoutMs }),
    ...(route?.retry && { retry: route.retry }),
    ...(delayMs !== undefined && { delayMs }),
    mirrors,
    audited: authz.audited,
    ...dryRunOf(authz),
  };
}

/**
 * Decides one request. `random` (in [0, 1)) drives fault percentages, the
 * weighted backend pick and mirror percentages, in that order.
 */
export function planRequest(
  l: CompiledListener,
  req: HttpRequestView,
  random: () => number = Math.random,
): RequestPlan {
  const inner = internalsOf(l);
  const authz = authorize(inner.policies, req);
  if (authz.badRequest !== undefined) return respond(400, 'bad-request', { body: 'Bad Request' });
  if (!authz.allowed) {
    return {
      kind: 'deny',
      status: 403,
      body: DENY_BODY,
      ...(authz.policy !== undefined && { policy: authz.policy }),
      audited: authz.audited,
      ...dryRunOf(authz),
    };
  }
  // BASE normalization, as authorization saw it; the backend gets this path.
  const normalized = normalizeRequestPath(req.path, 'BASE');
  if (!normalized.ok) return respond(400, 'bad-request', { body: 'Bad Request' });
  const { path, query } = normalized;

  if (inner.routes.length === 0) {
    return forward({ own: inner.ownBackend }, { req, path, query, authz, random });
  }
  const input: MatchInput = {
    method: req.method,
    path,
    target: withQuery(path, query),
    query,
    scheme: req.scheme ?? 'http',
    authority: req.authority,
    headers: headerMap(req.headers),
  };
  const sel = selectRoute(inner.routes, input);
  if (!sel) return respond(404, 'no-route');
  const route = sel.route;
  const routeName = route.name;
  const named = routeName !== undefined ? { route: routeName } : {};

  // Delay and abort are decided independently; a delayed abort is delayed too.
  const fault = route.fault;
  const delayMs =
    fault?.delay && percentHits(fault.delay.percent, random) ? fault.delay.ms : undefined;
  if (fault?.abort && percentHits(fault.abort.percent, random)) {
    return respond(fault.abort.status, 'fault-abort', {
      ...named,
      body: FAULT_ABORT_BODY,
      ...(delayMs !== undefined && { delayMs }),
    });
  }
  const withDelay = delayMs !== undefined ? { delayMs } : {};
  const action = route.action;
  switch (action.kind) {
    case 'direct':
      return respond(action.status, 'direct-response', {
        ...named,
        ...withDelay,
        body: action.body,
        modifiers: [route.responseHeaders],
      });
    case 'redirect': {
      const location = redirectLocation(
        action.redirect,
        { scheme: input.scheme, authority: req.authority, path, query },
        sel.match?.path,
      );
      return respond(action.redirect.statusCode, 'redirect', {
        ...named,
        ...withDelay,
        headers: { location },
        modifiers: [route.responseHeaders],
      });
    }
    case 'forward':
      return forward(
        { ...sel, backends: action.backends },
        { req, path, query, authz, random, ...(delayMs !== undefined && { delayMs }) },
      );
  }
}
