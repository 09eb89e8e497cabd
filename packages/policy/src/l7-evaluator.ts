// The waypoint's L7 authorization: CUSTOM (unsupported: a match denies), then
// DENY, then ALLOW, with Envoy's request normalization.
//
// Where a request offers more than one reading of a value (a header sent
// twice; a path that other normalizations would read differently), a policy
// is evaluated against all readings in the direction that fails closed: a
// DENY (or CUSTOM) matches if any reading matches, an ALLOW only if every
// reading does. A single-valued request is unaffected.

import { principalOf, type Decision, type PeerIdentity, type Verdict } from './decision.js';
import { InvalidEvaluationInputError } from './errors.js';
import { cidrContains, parseIpAddress, type IpAddress } from './ip.js';
import type { ServiceAccountRef } from './l4-model.js';
import type {
  Field,
  GlobMatcher,
  L7Condition,
  L7Operation,
  L7Policy,
  L7Source,
  PathTemplateMatcher,
  RequestPrincipalField,
} from './l7-model.js';
import { matchesL7String, type L7StringMatcher } from './l7-string-match.js';
import { policyKey } from './l4-model.js';
import { normalizeRequestPath, type PathNormalization } from './path-normalization.js';
import { matchesString, type StringMatcher } from './string-match.js';
import { MATCH_ANY_TEMPLATE, MATCH_ONE_TEMPLATE } from './value-checks.js';

export interface L7Request {
  /** The peer identity from the HBONE mTLS handshake; undefined when there is none. */
  readonly sourceIdentity?: PeerIdentity;
  /** The peer (original client) address carried in HBONE. */
  readonly sourceIp: string;
  /** The original client address from X-Forwarded-For per trusted hops; defaults to sourceIp. */
  readonly remoteIp?: string;
  readonly destinationIp: string;
  /** The destination service port. */
  readonly destinationPort: number;
  /** TLS server name, when the connection had one. */
  readonly sni?: string;
  readonly method: string;
  /** The request target as received: path, optional ?query and #fragment. */
  readonly path: string;
  /** :authority / Host as sent, possibly with a port. */
  readonly host: string;
  /** Header name → value(s); names are matched case-insensitively. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** Claims of the request's validated JWT (RequestAuthentication); absent when there is none. */
  readonly jwtClaims?: Readonly<Record<string, unknown>>;
}

export interface L7EvaluationOptions {
  /** MeshConfig pathNormalization; istio's default is BASE. */
  readonly pathNormalization?: PathNormalization;
}

export interface L7Decision extends Decision {
  /** Set when the request is malformed (upstream answers 400 before authorization). */
  readonly badRequest?: string;
  /** Keys of AUDIT policies that matched (log-only). */
  readonly audited?: readonly string[];
}

interface PreparedRequest {
  readonly identity?: PeerIdentity;
  readonly principal?: string;
  readonly sourceIp: IpAddress;
  readonly remoteIp: IpAddress;
  readonly destinationIp: IpAddress;
  readonly destinationPort: number;
  readonly sni?: string;
  readonly method: string;
  /** The path as the backend receives it (the configured normalization). */
  readonly path: string;
  /** That path plus the stricter readings (decoded %2F/%5C, merged slashes). */
  readonly pathReadings: readonly string[];
  readonly authority: string;
  readonly hostWithoutPort: string;
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** A DENY wants any reading to match; an ALLOW needs all of them to. */
type Direction = 'any' | 'all';

function ipOf(field: string, text: string): IpAddress {
  const ip = parseIpAddress(text);
  if (!ip) throw new InvalidEvaluationInputError(field, `"${text}" is not an IP address`);
  return ip;
}

function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    return close < 0 ? authority : authority.slice(0, close + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon >= 0 && /^[0-9]*$/.test(authority.slice(colon + 1))
    ? authority.slice(0, colon)
    : authority;
}

function prepare(
  req: L7Request,
  mode: PathNormalization,
): { request: PreparedRequest } | { badRequest: string } {
  const port = req.destinationPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidEvaluationInputError('destinationPort', `${port} is not a port`);
  }
  const sourceIp = ipOf('sourceIp', req.sourceIp);
  const remoteIp = req.remoteIp === undefined ? sourceIp : ipOf('remoteIp', req.remoteIp);
  const destinationIp = ipOf('destinationIp', req.destinationIp);
  if (req.method === '' || req.method !== req.method.toUpperCase()) {
    return { badRequest: `method "${req.method}" is not upper case` };
  }
  const normalized = normalizeRequestPath(req.path, mode);
  if (!normalized.ok) return { badRequest: normalized.reason };
  const strictest = normalizeRequestPath(req.path, 'DECODE_AND_MERGE_SLASHES');
  const pathReadings = [normalized.path];
  if (strictest.ok && strictest.path !== normalized.path) pathReadings.push(strictest.path);

  const headers = new Map<string, string[]>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === '' || /\s/.test(name)) return { badRequest: `header name "${name}" is not valid` };
    const key = name.toLowerCase();
    const list = headers.get(key) ?? [];
    list.push(...(typeof value === 'string' ? [value] : value));
    headers.set(key, list);
  }
  const authority = req.host.toLowerCase();
  const id = req.sourceIdentity;
  return {
    request: {
      ...(id && { identity: id, principal: principalOf(id) }),
      sourceIp,
      remoteIp,
      destinationIp,
      destinationPort: port,
      ...(req.sni !== undefined && { sni: req.sni }),
      method: req.method,
      path: normalized.path,
      pathReadings,
      authority,
      hostWithoutPort: stripPort(authority),
      headers,
      ...(req.jwtClaims && { claims: req.jwtClaims }),
    },
  };
}

/**
 * One field against the request's readings of an attribute. `readings`
 * undefined means the attribute is absent: no value matches it, so a positive
 * list fails and a negative list holds.
 */
function holds<T, R>(
  f: Field<T>,
  readings: readonly R[] | undefined,
  test: (matcher: T, reading: R) => boolean,
  direction: Direction,
): boolean {
  if (f.values.length === 0 && f.notValues.length === 0) return true;
  if (readings === undefined || readings.length === 0) return f.values.length === 0;
  const some = direction === 'any' ? 'some' : 'every';
  const positive = f.values.length === 0 || readings[some]((r) => f.values.some((m) => test(m, r)));
  const negative =
    f.notValues.length === 0 || readings[some]((r) => !f.notValues.some((m) => test(m, r)));
  return positive && negative;
}

function globMatches(m: L7StringMatcher | GlobMatcher, value: string): boolean {
  if (m.kind !== 'glob') return matchesL7String(m, value);
  const [first = '', ...rest] = m.parts;
  const last = rest.pop() ?? '';
  if (!value.startsWith(first) || value.length < first.length + last.length) return false;
  let at = first.length;
  for (const part of rest) {
    const found = value.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return value.length - last.length >= at && value.endsWith(last);
}

const PCHAR = "[a-zA-Z0-9\\-._~%!$&'()+,;:@=]";
const templateCache = new WeakMap<PathTemplateMatcher, RegExp>();

/** `{*}` is one non-empty segment, `{**}` anything (slashes included); literals are escaped. */
function templateRegex(m: PathTemplateMatcher): RegExp {
  let re = templateCache.get(m);
  if (!re) {
    const source = m.template
      .split(/(\{\*\*\}|\{\*\})/)
      .map((token) => {
        if (token === MATCH_ANY_TEMPLATE) return `(?:${PCHAR}|/)*`;
        if (token === MATCH_ONE_TEMPLATE) return `${PCHAR}+`;
        return token.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      })
      .join('');
    re = new RegExp(`^${source}$`);
    templateCache.set(m, re);
  }
  return re;
}

function pathMatches(m: L7StringMatcher | PathTemplateMatcher, path: string): boolean {
  return m.kind === 'template' ? templateRegex(m).test(path) : matchesL7String(m, path);
}

/** A value naming a port compares with the whole authority, any other with the host alone. */
function hostMatches(m: StringMatcher, r: PreparedRequest): boolean {
  if (m.kind === 'presence') return r.authority !== '';
  const namesPort = m.value.startsWith('[') ? m.value.includes(']:') : m.value.includes(':');
  return matchesString(m, namesPort ? r.authority : r.hostWithoutPort);
}

function jwtPrincipal(r: PreparedRequest): { issuer: string; subject: string } | undefined {
  const iss = r.claims?.iss;
  const sub = r.claims?.sub;
  return typeof iss === 'string' && typeof sub === 'string'
    ? { issuer: iss, subject: sub }
    : undefined;
}

function requestPrincipalMatches(
  m: RequestPrincipalField,
  p: { issuer: string; subject: string },
): boolean {
  if (!('issuer' in m)) return matchesL7String(m, `${p.issuer}/${p.subject}`);
  return matchesString(m.issuer, p.issuer) && matchesString(m.subject, p.subject);
}

const serviceAccountMatches = (s: ServiceAccountRef, id: PeerIdentity): boolean =>
  s.namespace === id.namespace && s.serviceAccount === id.serviceAccount;

/** A claim as a list of strings (a string claim is a list of one); undefined when absent. */
function claimValues(
  claims: Readonly<Record<string, unknown>> | undefined,
  path: readonly string[],
): string[] | undefined {
  let value: unknown = claims;
  for (const name of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}

/** Claim lists are membership tests (any element), whatever the policy's action. */
function claimHolds(f: Field<L7StringMatcher>, values: readonly string[] | undefined): boolean {
  if (values === undefined || values.length === 0) return f.values.length === 0;
  const has = (m: L7StringMatcher): boolean => values.some((v) => matchesL7String(m, v));
  return (f.values.length === 0 || f.values.some(has)) && !f.notValues.some(has);
}

function headerReadings(r: PreparedRequest, name: string): readonly string[] | undefined {
  const values = r.headers.get(name.toLowerCase());
  if (!values || values.length === 0) return undefined;
  // Envoy matches duplicates joined by ","; the parts are readings too.
  return values.length === 1 ? values : [values.join(','), ...values];
}

function sourceHolds(s: L7Source, r: PreparedRequest, d: Direction): boolean {
  const id = r.identity ? [r.identity] : undefined;
  const jwt = jwtPrincipal(r);
  return (
    holds(
      s.principals,
      r.principal === undefined ? undefined : [r.principal],
      matchesL7String,
      d,
    ) &&
    holds(
      s.namespaces,
      id?.map((i) => i.namespace),
      globMatches,
      d,
    ) &&
    holds(s.serviceAccounts, id, serviceAccountMatches, d) &&
    holds(
      s.trustDomains,
      id?.map((i) => i.trustDomain),
      matchesString,
      d,
    ) &&
    holds(s.requestPrincipals, jwt && [jwt], requestPrincipalMatches, d) &&
    holds(s.ipBlocks, [r.sourceIp], cidrContains, d) &&
    holds(s.remoteIpBlocks, [r.remoteIp], cidrContains, d)
  );
}

function operationHolds(o: L7Operation, r: PreparedRequest, d: Direction): boolean {
  return (
    holds(o.hosts, [r], hostMatches, d) &&
    holds(o.ports, [r.destinationPort], (p, port) => p === port, d) &&
    holds(o.methods, [r.method], matchesL7String, d) &&
    holds(o.paths, d === 'any' ? r.pathReadings : [r.path], pathMatches, d)
  );
}

function conditionHolds(c: L7Condition, r: PreparedRequest, d: Direction): boolean {
  const cond = c.condition;
  const key = c.key;
  switch (cond.type) {
    case 'unsupported':
      return d === 'any'; // cannot evaluate: a DENY holds, an ALLOW does not
    case 'ip': {
      const ip =
        key.kind === 'remote.ip'
          ? r.remoteIp
          : key.kind === 'destination.ip'
            ? r.destinationIp
            : r.sourceIp;
      return holds(cond.match, [ip], cidrContains, d);
    }
    case 'port':
      return holds(cond.match, [r.destinationPort], (p, port) => p === port, d);
    case 'serviceAccount':
      return holds(cond.match, r.identity && [r.identity], serviceAccountMatches, d);
    case 'requestPrincipal': {
      const jwt = jwtPrincipal(r);
      return holds(cond.match, jwt && [jwt], requestPrincipalMatches, d);
    }
    case 'namespace':
      return holds(cond.match, r.identity && [r.identity.namespace], globMatches, d);
    case 'string':
      break;
  }
  const m = cond.match;
  switch (key.kind) {
    case 'request.headers':
      return holds(m, headerReadings(r, key.header), matchesL7String, d);
    case 'request.auth.claims':
      return claimHolds(m, claimValues(r.claims, key.claim));
    case 'request.auth.audiences':
      return claimHolds(m, claimValues(r.claims, ['aud']));
    case 'request.auth.presenter':
      return claimHolds(m, claimValues(r.claims, ['azp']));
    case 'source.principal':
      return holds(m, r.principal === undefined ? undefined : [r.principal], matchesL7String, d);
    case 'source.trustDomain':
      return holds(m, r.identity && [r.identity.trustDomain], matchesL7String, d);
    case 'connection.sni':
      return holds(m, r.sni === undefined ? undefined : [r.sni], matchesL7String, d);
    default:
      return d === 'any'; // a string key we do not know how to read: fail closed
  }
}

function policyMatches(p: L7Policy, r: PreparedRequest): boolean {
  const d: Direction = p.action === 'ALLOW' ? 'all' : 'any';
  return p.rules.some(
    (rule) =>
      (rule.from.length === 0 || rule.from.some((s) => sourceHolds(s, r, d))) &&
      (rule.to.length === 0 || rule.to.some((o) => operationHolds(o, r, d))) &&
      rule.when.every((c) => conditionHolds(c, r, d)),
  );
}

function decide(policies: readonly L7Policy[], r: PreparedRequest): Verdict {
  for (const p of policies) {
    if (p.action === 'CUSTOM' && policyMatches(p, r)) {
      return {
        allowed: false,
        reason: `CUSTOM (ext-authz) policy ${policyKey(p)} matched; ext-authz is not supported, so the request is denied`,
        matchedPolicy: policyKey(p),
      };
    }
  }
  for (const p of policies) {
    if (p.action === 'DENY' && policyMatches(p, r)) {
      return {
        allowed: false,
        reason: `explicitly denied by: ${policyKey(p)}`,
        matchedPolicy: policyKey(p),
      };
    }
  }
  const allows = policies.filter((p) => p.action === 'ALLOW');
  if (allows.length === 0) return { allowed: true, reason: 'no allow policies' };
  const allow = allows.find((p) => policyMatches(p, r));
  if (allow)
    return {
      allowed: true,
      reason: `allowed by: ${policyKey(allow)}`,
      matchedPolicy: policyKey(allow),
    };
  return { allowed: false, reason: 'allow policies exist, but none allowed' };
}

/**
 * The L7 decision for one request, given the policies attached to the
 * destination at the waypoint. A malformed request (lower-case method, %00 in
 * the path, a bad header name) is denied with `badRequest` set (upstream: 400).
 */
export function evaluateL7(
  policies: readonly L7Policy[],
  request: L7Request,
  options: L7EvaluationOptions = {},
): L7Decision {
  const prepared = prepare(request, options.pathNormalization ?? 'BASE');
  if ('badRequest' in prepared) {
    return {
      allowed: false,
      reason: `bad request: ${prepared.badRequest}`,
      badRequest: prepared.badRequest,
    };
  }
  const r = prepared.request;
  const enforced = policies.filter((p) => !p.dryRun && p.action !== 'AUDIT');
  const verdict = decide(enforced, r);
  const audited = policies
    .filter((p) => p.action === 'AUDIT' && policyMatches(p, r))
    .map(policyKey);
  const withAudit: L7Decision = audited.length > 0 ? { ...verdict, audited } : verdict;
  if (!policies.some((p) => p.dryRun)) return withAudit;
  return {
    ...withAudit,
    dryRun: decide(
      policies.filter((p) => p.action !== 'AUDIT'),
      r,
    ),
  };
}
