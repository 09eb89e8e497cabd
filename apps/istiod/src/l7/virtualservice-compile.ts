// VirtualService (ambient's supported subset) → waypoint Routes: http
// matches, weighted destinations with DestinationRule subsets resolved to
// workload uids, redirect, rewrite, header operations, timeout, retries,
// mirror, direct responses and fault injection; tcp routes. Only
// VirtualServices in the service's or the waypoint's namespace, bound to the
// mesh, whose hosts name the service, are used (istiod.md §4.4).

import { create } from '@bufbuild/protobuf';
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { WAYPOINT_RETRY_ON_TOKENS, waypoint } from '@ambient-ts/xds-types';
import {
  asArray,
  asRecord,
  asString,
  asStringMap,
  objectKey,
  type KubeObject,
} from '../kube/objects.js';
import { parseDurationSeconds } from '../runtime/duration.js';
import type { L7Lookup, L7Target } from './l7-target.js';
import { exactMatch, regexMatch } from './matchers.js';

type Rec = Readonly<Record<string, unknown>>;

/** Retry conditions the waypoint implements (anything else is dropped with a warning). */
const RETRY_ON = WAYPOINT_RETRY_ON_TOKENS;

/** A VirtualService host → FQDN (short names are relative to the VS namespace). */
export function resolveVsHost(host: string, vsNamespace: string, domainSuffix: string): string {
  if (host.includes('*')) return host;
  const dots = host.split('.').length - 1;
  if (dots === 0) return `${host}.${vsNamespace}.svc.${domainSuffix}`;
  if (dots === 1) return `${host}.svc.${domainSuffix}`;
  return host;
}

function hostMatches(pattern: string, hostname: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return hostname.endsWith(pattern.slice(1));
  return pattern === hostname;
}

/** Whether a VirtualService applies to this target (namespace, gateways, hosts). */
export function virtualServiceApplies(
  vs: KubeObject,
  target: L7Target,
  domainSuffix: string,
): boolean {
  const ns = vs.metadata.namespace ?? '';
  const waypointNs = target.waypointKey.split('/')[0];
  if (ns !== target.namespace && ns !== waypointNs) return false;
  const spec = asRecord(vs.spec) ?? {};
  const gateways = asArray(spec.gateways).filter((g): g is string => typeof g === 'string');
  if (gateways.length > 0 && !gateways.includes('mesh')) return false;
  return asArray(spec.hosts).some(
    (h) =>
      typeof h === 'string' && hostMatches(resolveVsHost(h, ns, domainSuffix), target.hostname),
  );
}

function stringMatch(raw: unknown, ignoreCase = false): waypoint.StringMatch | undefined {
  const m = asRecord(raw);
  if (!m) return undefined;
  if (typeof m.exact === 'string') return exactMatch(m.exact, ignoreCase);
  if (typeof m.prefix === 'string') {
    return create(waypoint.StringMatchSchema, {
      kind: { case: 'prefix', value: m.prefix },
      ignoreCase,
    });
  }
  if (typeof m.regex === 'string') return regexMatch(m.regex);
  return undefined;
}

function durationOf(text: unknown): ReturnType<typeof durationFromMs> | undefined {
  const s = typeof text === 'string' ? parseDurationSeconds(text) : undefined;
  return s === undefined ? undefined : durationFromMs(Math.round(s * 1000));
}

function percentOf(rec: Rec | undefined, legacyKey: string): waypoint.Percent | undefined {
  const pct = asRecord(rec?.percentage);
  if (pct && typeof pct.value === 'number')
    return create(waypoint.PercentSchema, { value: pct.value });
  const legacy = rec?.[legacyKey];
  return typeof legacy === 'number' ? create(waypoint.PercentSchema, { value: legacy }) : undefined;
}

function headerOps(raw: unknown): {
  request?: waypoint.HeaderModifier;
  response?: waypoint.HeaderModifier;
} {
  const h = asRecord(raw);
  const op = (v: unknown): waypoint.HeaderModifier | undefined => {
    const r = asRecord(v);
    if (!r) return undefined;
    const pairs = (m: unknown): waypoint.Header[] =>
      Object.entries(asStringMap(m) ?? {}).map(([name, value]) =>
        create(waypoint.HeaderSchema, { name: name.toLowerCase(), value }),
      );
    return create(waypoint.HeaderModifierSchema, {
      set: pairs(r.set),
      add: pairs(r.add),
      remove: asArray(r.remove).flatMap((n) => (typeof n === 'string' ? [n.toLowerCase()] : [])),
    });
  };
  const request = op(h?.request);
  const response = op(h?.response);
  return { ...(request && { request }), ...(response && { response }) };
}

/** A destination → backend, resolving the subset through DestinationRules. */
function destination(
  raw: unknown,
  vs: KubeObject,
  target: L7Target,
  port: number,
  lookup: L7Lookup,
): waypoint.Backend | undefined {
  const d = asRecord(raw);
  const host = asString(d?.host);
  if (!d || !host) return undefined;
  const vsNs = vs.metadata.namespace ?? '';
  const hostname = resolveVsHost(host, vsNs, lookup.domainSuffix);
  const svcMatch = /^([^.]+)\.([^.]+)\.svc\./.exec(hostname);
  const namespace = svcMatch?.[2] ?? vsNs;
  const destPort = asRecord(d.port)?.number;
  const backend = create(waypoint.BackendSchema, {
    namespace,
    hostname,
    port: typeof destPort === 'number' ? destPort : port,
  });
  const subsetName = asString(d.subset);
  if (subsetName) {
    const subset = findSubset(
      hostname,
      subsetName,
      [vsNs, namespace, lookup.rootNamespace],
      lookup,
    );
    const selector = svcMatch
      ? (lookup.service(`${namespace}/${svcMatch[1] ?? ''}`)?.spec?.selector ?? {})
      : (target.selector ?? {});
    backend.subset = create(waypoint.SubsetSchema, {
      name: subsetName,
      labels: subset ?? {},
      // An unknown subset has no eligible endpoint (503), never "all endpoints".
      workloadUids: subset ? lookup.podUids(namespace, selector, subset) : [],
    });
    if (!subset)
      lookup.warn(
        `VirtualService/${objectKey(vs)}`,
        `subset ${subsetName} of ${hostname} is not defined by any DestinationRule`,
      );
  }
  return backend;
}

function findSubset(
  hostname: string,
  subset: string,
  namespaces: readonly string[],
  lookup: L7Lookup,
): Readonly<Record<string, string>> | undefined {
  for (const ns of new Set(namespaces)) {
    for (const dr of lookup.destinationRules(ns)) {
      const spec = asRecord(dr.spec) ?? {};
      const host = asString(spec.host);
      if (!host || resolveVsHost(host, ns, lookup.domainSuffix) !== hostname) continue;
      for (const s of asArray(spec.subsets)) {
        const r = asRecord(s);
        if (r?.name === subset) return asStringMap(r.labels) ?? {};
      }
    }
  }
  return undefined;
}

function compileHttp(
  vs: KubeObject,
  http: Rec,
  index: number,
  target: L7Target,
  port: number,
  lookup: L7Lookup,
): waypoint.Route | undefined {
  const where = `VirtualService/${objectKey(vs)}`;
  const matches: waypoint.RouteMatch[] = [];
  const rawMatches = asArray(http.match);
  for (const raw of rawMatches) {
    const m = asRecord(raw) ?? {};
    if (typeof m.port === 'number' && m.port !== port) continue;
    const ignoreCase = m.ignoreUriCase === true;
    const uri = asRecord(m.uri);
    let path: waypoint.PathMatch | undefined;
    if (typeof uri?.exact === 'string')
      path = create(waypoint.PathMatchSchema, {
        kind: { case: 'exact', value: uri.exact },
        ignoreCase,
      });
    else if (typeof uri?.prefix === 'string')
      path = create(waypoint.PathMatchSchema, {
        kind: { case: 'prefix', value: uri.prefix },
        ignoreCase,
      });
    else if (typeof uri?.regex === 'string')
      path = create(waypoint.PathMatchSchema, { kind: { case: 'regex', value: uri.regex } });
    const headers: waypoint.HeaderMatch[] = [];
    for (const [name, v] of Object.entries(asRecord(m.headers) ?? {})) {
      const value = stringMatch(v);
      headers.push(
        create(waypoint.HeaderMatchSchema, {
          name: name.toLowerCase(),
          // `{}` means "present".
          value:
            value ?? create(waypoint.StringMatchSchema, { kind: { case: 'presence', value: {} } }),
        }),
      );
    }
    for (const [name, v] of Object.entries(asRecord(m.withoutHeaders) ?? {})) {
      const value =
        stringMatch(v) ??
        create(waypoint.StringMatchSchema, { kind: { case: 'presence', value: {} } });
      headers.push(
        create(waypoint.HeaderMatchSchema, { name: name.toLowerCase(), value, invert: true }),
      );
    }
    const queryParams: waypoint.QueryParamMatch[] = [];
    for (const [name, v] of Object.entries(asRecord(m.queryParams) ?? {})) {
      const value = stringMatch(v);
      if (value) queryParams.push(create(waypoint.QueryParamMatchSchema, { name, value }));
    }
    const method = stringMatch(m.method);
    matches.push(
      create(waypoint.RouteMatchSchema, {
        ...(path && { path }),
        headers,
        queryParams,
        ...(method && { method }),
      }),
    );
  }
  // Every match was for another port: this rule does not apply here.
  if (rawMatches.length > 0 && matches.length === 0) return undefined;

  const ops = headerOps(http.headers);
  let action: waypoint.Route['action'];
  const redirectRec = asRecord(http.redirect);
  const directRec = asRecord(http.directResponse);
  if (redirectRec) {
    action = {
      case: 'redirect',
      value: create(waypoint.RedirectSchema, {
        scheme: asString(redirectRec.scheme) ?? '',
        hostname: asString(redirectRec.authority) ?? '',
        port: typeof redirectRec.port === 'number' ? redirectRec.port : 0,
        statusCode: typeof redirectRec.redirectCode === 'number' ? redirectRec.redirectCode : 301,
        ...(typeof redirectRec.uri === 'string' && {
          path: { case: 'replaceFullPath' as const, value: redirectRec.uri },
        }),
      }),
    };
  } else if (directRec) {
    action = {
      case: 'directResponse',
      value: create(waypoint.DirectResponseSchema, {
        status: typeof directRec.status === 'number' ? directRec.status : 200,
        body: asString(asRecord(directRec.body)?.string) ?? '',
      }),
    };
  } else {
    const routes = asArray(http.route);
    const backends = routes.map((raw) => {
      const r = asRecord(raw) ?? {};
      const backend = destination(r.destination, vs, target, port, lookup);
      const h = headerOps(r.headers);
      return create(waypoint.WeightedBackendSchema, {
        ...(backend && { backend }),
        // A single destination without weight gets all traffic (VirtualService semantics).
        weight: typeof r.weight === 'number' ? r.weight : routes.length === 1 ? 100 : 0,
        ...(h.request && { requestHeaders: h.request }),
        ...(h.response && { responseHeaders: h.response }),
      });
    });
    if (backends.length === 0 && !asRecord(http.fault)?.abort) {
      lookup.warn(where, `http[${index}] has no route, redirect or directResponse; it answers 500`);
      action = {
        case: 'directResponse',
        value: create(waypoint.DirectResponseSchema, { status: 500 }),
      };
    } else {
      action = { case: 'forward', value: create(waypoint.ForwardSchema, { backends }) };
    }
  }

  const rewriteRec = asRecord(http.rewrite);
  const rewrite = rewriteRec
    ? create(waypoint.UrlRewriteSchema, {
        hostname: asString(rewriteRec.authority) ?? '',
        // VirtualService rewrite.uri replaces the matched prefix (or the whole path for exact matches).
        ...(typeof rewriteRec.uri === 'string' && {
          path: { case: 'replacePrefixMatch' as const, value: rewriteRec.uri },
        }),
      })
    : undefined;
  const mirrors: waypoint.Mirror[] = [];
  const mirrorBackend = destination(http.mirror, vs, target, port, lookup);
  if (mirrorBackend) {
    const pct = asRecord(http.mirrorPercentage);
    mirrors.push(
      create(waypoint.MirrorSchema, {
        backend: mirrorBackend,
        ...(typeof pct?.value === 'number' && { percentage: { value: pct.value } }),
      }),
    );
  }
  const timeout = durationOf(http.timeout);
  const retries = asRecord(http.retries);
  const perTry = durationOf(retries?.perTryTimeout);
  let retry: waypoint.RetryPolicy | undefined;
  if (retries && typeof retries.attempts === 'number') {
    const tokens = (
      asString(retries.retryOn) ??
      'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes'
    )
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    const codes = tokens.filter((t) => /^\d{3}$/.test(t)).map(Number);
    const known = tokens.filter((t) => RETRY_ON.has(t));
    const unknown = tokens.filter((t) => !RETRY_ON.has(t) && !/^\d{3}$/.test(t));
    if (unknown.length > 0)
      lookup.warn(where, `retryOn ${unknown.join(',')} not supported; ignored`);
    if (codes.length > 0 && !known.includes('retriable-status-codes'))
      known.push('retriable-status-codes');
    retry = create(waypoint.RetryPolicySchema, {
      attempts: retries.attempts,
      retryOn: known,
      retriableStatusCodes: codes,
    });
  }
  const faultRec = asRecord(http.fault);
  let fault: waypoint.FaultInjection | undefined;
  if (faultRec) {
    const delay = asRecord(faultRec.delay);
    const abort = asRecord(faultRec.abort);
    const fixed = durationOf(delay?.fixedDelay);
    const delayPct = percentOf(delay, 'percent');
    const abortPct = percentOf(abort, 'percent');
    fault = create(waypoint.FaultInjectionSchema, {
      ...(delay &&
        fixed && {
          delay: create(waypoint.FaultInjection_DelaySchema, {
            fixedDelay: fixed,
            ...(delayPct && { percentage: delayPct }),
          }),
        }),
      ...(abort &&
        typeof abort.httpStatus === 'number' && {
          abort: create(waypoint.FaultInjection_AbortSchema, {
            httpStatus: abort.httpStatus,
            ...(abortPct && { percentage: abortPct }),
          }),
        }),
    });
  }
  return create(waypoint.RouteSchema, {
    name: `VirtualService/${objectKey(vs)}/http/${index}`,
    matches,
    action,
    ...(ops.request && { requestHeaders: ops.request }),
    ...(ops.response && { responseHeaders: ops.response }),
    ...(rewrite && action.case === 'forward' && { rewrite }),
    mirrors: action.case === 'forward' ? mirrors : [],
    ...((timeout ?? perTry) && {
      timeouts: { ...(timeout && { request: timeout }), ...(perTry && { perTry }) },
    }),
    ...(retry && { retry }),
    ...(fault && { fault }),
  });
}

/** HTTP routes from the VirtualServices that apply, oldest VirtualService first, rules in order. */
export function compileVirtualServiceHttp(
  services: readonly KubeObject[],
  target: L7Target,
  port: number,
  lookup: L7Lookup,
): waypoint.Route[] {
  return orderByAge(services).flatMap((vs) =>
    asArray(asRecord(vs.spec)?.http).flatMap((raw, i) => {
      const r = compileHttp(vs, asRecord(raw) ?? {}, i, target, port, lookup);
      return r ? [r] : [];
    }),
  );
}

/** The first matching tcp route of the VirtualServices that apply. */
export function compileVirtualServiceTcp(
  services: readonly KubeObject[],
  target: L7Target,
  port: number,
  lookup: L7Lookup,
): waypoint.TcpRoute | undefined {
  for (const vs of orderByAge(services)) {
    const rules = asArray(asRecord(vs.spec)?.tcp);
    for (let i = 0; i < rules.length; i += 1) {
      const rule = asRecord(rules[i]) ?? {};
      const matches = asArray(rule.match).map((m) => asRecord(m) ?? {});
      if (matches.length > 0 && !matches.some((m) => m.port === undefined || m.port === port))
        continue;
      const routes = asArray(rule.route);
      return create(waypoint.TcpRouteSchema, {
        name: `VirtualService/${objectKey(vs)}/tcp/${i}`,
        backends: routes.map((raw) => {
          const r = asRecord(raw) ?? {};
          const backend = destination(r.destination, vs, target, port, lookup);
          return create(waypoint.WeightedBackendSchema, {
            ...(backend && { backend }),
            weight: typeof r.weight === 'number' ? r.weight : routes.length === 1 ? 100 : 0,
          });
        }),
      });
    }
  }
  return undefined;
}

function orderByAge(list: readonly KubeObject[]): KubeObject[] {
  return [...list].sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    return objectKey(a) < objectKey(b) ? -1 : 1;
  });
}
