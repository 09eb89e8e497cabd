// Gateway API HTTPRoute (GAMMA: parentRefs naming a Service) → waypoint
// Routes for one service port, with API defaults filled in and rules ordered
// by Gateway API precedence across all routes of that service.

import { create } from '@bufbuild/protobuf';
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { waypoint } from '@ambient-ts/xds-types';
import { serviceHostname } from '../ambient/index-config.js';
import { asArray, asRecord, asString, objectKey, type KubeObject } from '../kube/objects.js';
import { parseDurationSeconds } from '../runtime/duration.js';
import type { L7Lookup, L7Target } from './l7-target.js';
import { exactMatch, regexMatch } from './matchers.js';

type Rec = Readonly<Record<string, unknown>>;

const SERVICE_KINDS = new Set(['Service']);

/** Whether a parentRef names this target (kind Service / ServiceEntry, same namespace). */
function parentMatches(
  ref: Rec,
  route: KubeObject,
  target: L7Target,
): { matches: boolean; port?: number } {
  const kind = asString(ref.kind);
  const group = asString(ref.group) ?? '';
  const ns = asString(ref.namespace) ?? route.metadata.namespace;
  if (ns !== target.namespace || asString(ref.name) !== target.name) return { matches: false };
  const isService = kind === 'Service' && (group === '' || group === 'core');
  const isSe = kind === 'ServiceEntry' && group === 'networking.istio.io';
  if ((target.kind === 'Service' && !isService) || (target.kind === 'ServiceEntry' && !isSe))
    return { matches: false };
  const port = ref.port;
  return typeof port === 'number' ? { matches: true, port } : { matches: true };
}

/** Routes whose parentRefs name the target on this port (producer routes: the service's namespace). */
export function routesForPort(
  routes: readonly KubeObject[],
  target: L7Target,
  port: number,
): KubeObject[] {
  return routes.filter((route) => {
    if (route.metadata.namespace !== target.namespace) return false;
    return asArray(asRecord(route.spec)?.parentRefs).some((raw) => {
      const ref = asRecord(raw);
      if (!ref) return false;
      const m = parentMatches(ref, route, target);
      return m.matches && (m.port === undefined || m.port === port);
    });
  });
}

/** Services an HTTPRoute's parentRefs name (`kind:ns/name`), for invalidation. */
export function routeParents(route: KubeObject): string[] {
  return asArray(asRecord(route.spec)?.parentRefs).flatMap((raw) => {
    const ref = asRecord(raw);
    const name = asString(ref?.name);
    if (!ref || !name) return [];
    const ns = asString(ref.namespace) ?? route.metadata.namespace ?? '';
    const kind = asString(ref.kind) === 'ServiceEntry' ? 'se' : 'svc';
    return [`${kind}:${ns}/${name}`];
  });
}

function headerModifier(raw: unknown): waypoint.HeaderModifier | undefined {
  const m = asRecord(raw);
  if (!m) return undefined;
  const headers = (v: unknown): waypoint.Header[] =>
    asArray(v).flatMap((h) => {
      const r = asRecord(h);
      const name = asString(r?.name);
      return name
        ? [
            create(waypoint.HeaderSchema, {
              name: name.toLowerCase(),
              value: asString(r?.value) ?? '',
            }),
          ]
        : [];
    });
  return create(waypoint.HeaderModifierSchema, {
    set: headers(m.set),
    add: headers(m.add),
    remove: asArray(m.remove).flatMap((n) => (typeof n === 'string' ? [n.toLowerCase()] : [])),
  });
}

interface CompiledMatch {
  readonly match: waypoint.RouteMatch;
  /** Precedence keys (Gateway API): exact path, prefix length, method, headers, query params. */
  readonly rank: readonly number[];
}

function compileMatch(raw: unknown, where: string, lookup: L7Lookup): CompiledMatch | undefined {
  const m = asRecord(raw) ?? {};
  const path = asRecord(m.path);
  const type = asString(path?.type) ?? 'PathPrefix';
  const value = asString(path?.value) ?? '/';
  let pathMatch: waypoint.PathMatch;
  let rank: number[];
  switch (type) {
    case 'Exact':
      pathMatch = create(waypoint.PathMatchSchema, { kind: { case: 'exact', value } });
      rank = [2, value.length];
      break;
    case 'PathPrefix':
      pathMatch = create(waypoint.PathMatchSchema, { kind: { case: 'pathPrefix', value } });
      rank = [0, value.length];
      break;
    case 'RegularExpression':
      pathMatch = create(waypoint.PathMatchSchema, { kind: { case: 'regex', value } });
      rank = [1, value.length];
      break;
    default:
      lookup.warn(
        where,
        `path.type ${JSON.stringify(type)} is not supported; the match is dropped`,
      );
      return undefined;
  }
  const headers: waypoint.HeaderMatch[] = [];
  for (const h of asArray(m.headers)) {
    const r = asRecord(h);
    const name = asString(r?.name);
    const v = asString(r?.value);
    if (!name || v === undefined) continue;
    const t = asString(r?.type) ?? 'Exact';
    if (t !== 'Exact' && t !== 'RegularExpression') {
      lookup.warn(
        where,
        `header match type ${JSON.stringify(t)} is not supported; the match is dropped`,
      );
      return undefined;
    }
    headers.push(
      create(waypoint.HeaderMatchSchema, {
        name: name.toLowerCase(),
        value: t === 'Exact' ? exactMatch(v) : regexMatch(v),
      }),
    );
  }
  const queryParams: waypoint.QueryParamMatch[] = [];
  for (const q of asArray(m.queryParams)) {
    const r = asRecord(q);
    const name = asString(r?.name);
    const v = asString(r?.value);
    if (!name || v === undefined) continue;
    const t = asString(r?.type) ?? 'Exact';
    if (t !== 'Exact' && t !== 'RegularExpression') {
      lookup.warn(
        where,
        `queryParams type ${JSON.stringify(t)} is not supported; the match is dropped`,
      );
      return undefined;
    }
    queryParams.push(
      create(waypoint.QueryParamMatchSchema, {
        name,
        value: t === 'Exact' ? exactMatch(v) : regexMatch(v),
      }),
    );
  }
  const method = asString(m.method);
  return {
    match: create(waypoint.RouteMatchSchema, {
      path: pathMatch,
      headers,
      queryParams,
      ...(method && { method: exactMatch(method) }),
    }),
    rank: [...rank, method ? 1 : 0, headers.length, queryParams.length],
  };
}

/** A backendRef → backend (unset when it cannot be resolved: those requests get 500). */
export function resolveBackend(
  ref: Rec,
  routeNamespace: string,
  lookup: L7Lookup,
  where: string,
): waypoint.Backend | undefined {
  const group = asString(ref.group) ?? '';
  const kind = asString(ref.kind) ?? 'Service';
  const name = asString(ref.name);
  const ns = asString(ref.namespace) ?? routeNamespace;
  const port = typeof ref.port === 'number' ? ref.port : undefined;
  if (!name) return undefined;
  if (ns !== routeNamespace) {
    lookup.warn(
      where,
      `backendRef ${ns}/${name} is in another namespace (ReferenceGrant is not supported); it answers 500`,
    );
    return undefined;
  }
  if (kind === 'Hostname' && group === 'networking.istio.io') {
    return port === undefined
      ? undefined
      : create(waypoint.BackendSchema, { namespace: ns, hostname: name, port });
  }
  if (!SERVICE_KINDS.has(kind) || (group !== '' && group !== 'core')) {
    lookup.warn(where, `backendRef kind ${group}/${kind} is not supported; it answers 500`);
    return undefined;
  }
  if (port === undefined) {
    lookup.warn(where, `backendRef ${ns}/${name} has no port; it answers 500`);
    return undefined;
  }
  if (!lookup.service(`${ns}/${name}`)) return undefined;
  return create(waypoint.BackendSchema, {
    namespace: ns,
    hostname: serviceHostname(name, ns, lookup.domainSuffix),
    port,
  });
}

function durationOf(text: unknown): ReturnType<typeof durationFromMs> | undefined {
  const s = typeof text === 'string' ? parseDurationSeconds(text) : undefined;
  return s === undefined || s === 0 ? undefined : durationFromMs(Math.round(s * 1000));
}

function compileRule(
  route: KubeObject,
  rule: Rec,
  ruleIndex: number,
  lookup: L7Lookup,
): { route: waypoint.Route; rank: readonly number[] }[] {
  const routeNs = route.metadata.namespace ?? '';
  const where = `HTTPRoute/${objectKey(route)}`;
  const name = `HTTPRoute/${objectKey(route)}/rule/${ruleIndex}`;
  let requestHeaders: waypoint.HeaderModifier | undefined;
  let responseHeaders: waypoint.HeaderModifier | undefined;
  let redirect: waypoint.Redirect | undefined;
  let rewrite: waypoint.UrlRewrite | undefined;
  const mirrors: waypoint.Mirror[] = [];
  for (const raw of asArray(rule.filters)) {
    const f = asRecord(raw) ?? {};
    switch (f.type) {
      case 'RequestHeaderModifier':
        requestHeaders = headerModifier(f.requestHeaderModifier);
        break;
      case 'ResponseHeaderModifier':
        responseHeaders = headerModifier(f.responseHeaderModifier);
        break;
      case 'RequestRedirect': {
        const r = asRecord(f.requestRedirect) ?? {};
        const p = asRecord(r.path);
        redirect = create(waypoint.RedirectSchema, {
          scheme: asString(r.scheme) ?? '',
          hostname: asString(r.hostname) ?? '',
          port: typeof r.port === 'number' ? r.port : 0,
          statusCode: typeof r.statusCode === 'number' ? r.statusCode : 302,
          ...(p?.type === 'ReplaceFullPath' && {
            path: { case: 'replaceFullPath' as const, value: asString(p.replaceFullPath) ?? '' },
          }),
          ...(p?.type === 'ReplacePrefixMatch' && {
            path: {
              case: 'replacePrefixMatch' as const,
              value: asString(p.replacePrefixMatch) ?? '',
            },
          }),
        });
        break;
      }
      case 'URLRewrite': {
        const r = asRecord(f.urlRewrite) ?? {};
        const p = asRecord(r.path);
        rewrite = create(waypoint.UrlRewriteSchema, {
          hostname: asString(r.hostname) ?? '',
          ...(p?.type === 'ReplaceFullPath' && {
            path: { case: 'replaceFullPath' as const, value: asString(p.replaceFullPath) ?? '' },
          }),
          ...(p?.type === 'ReplacePrefixMatch' && {
            path: {
              case: 'replacePrefixMatch' as const,
              value: asString(p.replacePrefixMatch) ?? '',
            },
          }),
        });
        break;
      }
      case 'RequestMirror': {
        const r = asRecord(f.requestMirror) ?? {};
        const backend = resolveBackend(asRecord(r.backendRef) ?? {}, routeNs, lookup, where);
        if (!backend) break;
        const fraction = asRecord(r.fraction);
        let percent: number | undefined = typeof r.percent === 'number' ? r.percent : undefined;
        if (fraction && typeof fraction.numerator === 'number') {
          const denominator =
            typeof fraction.denominator === 'number' && fraction.denominator > 0
              ? fraction.denominator
              : 100;
          percent = (fraction.numerator / denominator) * 100;
        }
        mirrors.push(
          create(waypoint.MirrorSchema, {
            backend,
            ...(percent !== undefined && { percentage: { value: percent } }),
          }),
        );
        break;
      }
      default:
        lookup.warn(
          where,
          `filter type ${JSON.stringify(f.type)} is not supported; the rule answers 500`,
        );
        return matchesOf(rule, where, lookup).map((m) => ({
          rank: m.rank,
          route: create(waypoint.RouteSchema, {
            name,
            matches: [m.match],
            action: {
              case: 'directResponse',
              value: create(waypoint.DirectResponseSchema, { status: 500 }),
            },
          }),
        }));
    }
  }
  const backends: waypoint.WeightedBackend[] = asArray(rule.backendRefs).map((raw) => {
    const ref = asRecord(raw) ?? {};
    const backend = resolveBackend(ref, routeNs, lookup, where);
    let rh: waypoint.HeaderModifier | undefined;
    let sh: waypoint.HeaderModifier | undefined;
    for (const fr of asArray(ref.filters)) {
      const f = asRecord(fr) ?? {};
      if (f.type === 'RequestHeaderModifier') rh = headerModifier(f.requestHeaderModifier);
      if (f.type === 'ResponseHeaderModifier') sh = headerModifier(f.responseHeaderModifier);
    }
    return create(waypoint.WeightedBackendSchema, {
      ...(backend && { backend }),
      weight: typeof ref.weight === 'number' ? ref.weight : 1,
      ...(rh && { requestHeaders: rh }),
      ...(sh && { responseHeaders: sh }),
    });
  });
  const timeouts = asRecord(rule.timeouts);
  const request = durationOf(timeouts?.request);
  const perTry = durationOf(timeouts?.backendRequest);
  const retryRec = asRecord(rule.retry);
  const codes = asArray(retryRec?.codes).filter((c): c is number => typeof c === 'number');
  const retry =
    retryRec && typeof retryRec.attempts === 'number'
      ? create(waypoint.RetryPolicySchema, {
          attempts: retryRec.attempts,
          retryOn:
            codes.length > 0
              ? ['retriable-status-codes']
              : ['5xx', 'connect-failure', 'refused-stream', 'reset'],
          retriableStatusCodes: codes,
          ...(durationOf(retryRec.backoff) && {
            backoffBaseInterval: durationOf(retryRec.backoff),
          }),
        })
      : undefined;
  // Gateway API: a rule that neither forwards nor answers itself answers 500.
  let action: waypoint.Route['action'];
  if (redirect) action = { case: 'redirect', value: redirect };
  else if (backends.length > 0)
    action = { case: 'forward', value: create(waypoint.ForwardSchema, { backends }) };
  else
    action = {
      case: 'directResponse',
      value: create(waypoint.DirectResponseSchema, { status: 500 }),
    };
  return matchesOf(rule, where, lookup).map((m) => ({
    rank: m.rank,
    route: create(waypoint.RouteSchema, {
      name,
      matches: [m.match],
      action,
      ...(requestHeaders && { requestHeaders }),
      ...(responseHeaders && { responseHeaders }),
      ...(rewrite && !redirect && { rewrite }),
      mirrors: redirect ? [] : mirrors,
      ...((request ?? perTry) && {
        timeouts: { ...(request && { request }), ...(perTry && { perTry }) },
      }),
      ...(retry && { retry }),
    }),
  }));
}

function matchesOf(rule: Rec, where: string, lookup: L7Lookup): CompiledMatch[] {
  const raw = asArray(rule.matches);
  const list = raw.length === 0 ? [{}] : raw;
  return list.flatMap((m) => {
    const c = compileMatch(m, where, lookup);
    return c ? [c] : [];
  });
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (b[i] ?? 0) - (a[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Every route rule for `target:port`, in Gateway API precedence order. */
export function compileHttpRoutes(
  routes: readonly KubeObject[],
  target: L7Target,
  port: number,
  lookup: L7Lookup,
): waypoint.Route[] {
  const attached = routesForPort(routes, target, port).sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    return objectKey(a) < objectKey(b) ? -1 : 1;
  });
  const compiled: { route: waypoint.Route; rank: readonly number[]; order: number }[] = [];
  let order = 0;
  for (const route of attached) {
    asArray(asRecord(route.spec)?.rules).forEach((raw, i) => {
      for (const c of compileRule(route, asRecord(raw) ?? {}, i, lookup)) {
        compiled.push({ ...c, order: order++ });
      }
    });
  }
  // Stable: ties keep route age / name / rule order.
  return compiled
    .sort((a, b) => compareRank(a.rank, b.rank) || a.order - b.order)
    .map((c) => c.route);
}
