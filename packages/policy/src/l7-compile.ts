// AuthorizationPolicy → L7Policy: every value parsed once, with the value
// forms Envoy gives each field (pilot/pkg/security/authz/model generators).

import { parseConditionKey } from './condition-keys.js';
import { parseCidr, type Cidr } from './ip.js';
import type { ServiceAccountRef } from './l4-model.js';
import type {
  Field,
  GlobMatcher,
  L7Condition,
  L7ConditionValues,
  L7Operation,
  L7Policy,
  L7Rule,
  L7Source,
  PathTemplateMatcher,
  RequestPrincipalMatcher,
} from './l7-model.js';
import type { AuthzCondition, AuthzOperation, AuthzPolicy, AuthzSource } from './model.js';
import {
  DRY_RUN_ANNOTATION,
  parseAuthorizationPolicy,
  parseGoBool,
} from './parse-authorization-policy.js';
import { toStringMatcher, type StringMatcher } from './string-match.js';
import { containsPathTemplate } from './value-checks.js';

const field = <A, T>(values: readonly A[], notValues: readonly A[], f: (a: A) => T): Field<T> => ({
  values: values.map(f),
  notValues: notValues.map(f),
});

/**
 * Namespace values: the four forms where they apply (`*`, one leading or
 * trailing `*`, none); any other use of `*` is a glob wildcard, as Envoy reads it.
 */
function namespaceMatcher(value: string): StringMatcher | GlobMatcher {
  const parts = value.split('*');
  const simple =
    parts.length === 1 || (parts.length === 2 && (value.startsWith('*') || value.endsWith('*')));
  return simple ? toStringMatcher(value) : { kind: 'glob', parts };
}

/** Paths: templates keep their text; everything else uses the four forms. */
function pathMatcher(value: string): StringMatcher | PathTemplateMatcher {
  return containsPathTemplate(value)
    ? { kind: 'template', template: value }
    : toStringMatcher(value);
}

/** Hosts compare case-insensitively: lower-case the value once here. */
function hostMatcher(value: string): StringMatcher {
  return toStringMatcher(value.toLowerCase());
}

/**
 * `iss/sub` with Envoy's wildcard rules: `*` is any authenticated request,
 * `*x` a suffix (of the issuer when a `/` is present, else of the subject),
 * `x*` a prefix (of the subject when a `/` is present, else of the issuer).
 */
export function requestPrincipalMatcher(value: string): RequestPrincipalMatcher {
  const any: StringMatcher = { kind: 'presence' };
  const slash = value.lastIndexOf('/');
  const issuer = slash >= 0 ? value.slice(0, slash) : value;
  const subject = slash >= 0 ? value.slice(slash + 1) : '';
  if (value === '*') return { issuer: any, subject: any };
  if (value.startsWith('*')) {
    if (slash < 0) return { issuer: any, subject: { kind: 'suffix', value: value.slice(1) } };
    return {
      issuer: issuer === '*' ? any : { kind: 'suffix', value: issuer.slice(1) },
      subject: { kind: 'exact', value: subject },
    };
  }
  if (value.endsWith('*')) {
    if (slash < 0) return { issuer: { kind: 'prefix', value: value.slice(0, -1) }, subject: any };
    return {
      issuer: { kind: 'exact', value: issuer },
      subject: subject === '*' ? any : { kind: 'prefix', value: subject.slice(0, -1) },
    };
  }
  return { issuer: { kind: 'exact', value: issuer }, subject: { kind: 'exact', value: subject } };
}

function cidr(value: string): Cidr {
  const parsed = parseCidr(value);
  if (!parsed) throw new Error(`internal: unvalidated IP value "${value}" reached L7 compilation`);
  return parsed;
}

function serviceAccount(policyNamespace: string): (value: string) => ServiceAccountRef {
  return (value) => {
    const slash = value.indexOf('/');
    return slash < 0
      ? { namespace: policyNamespace, serviceAccount: value }
      : { namespace: value.slice(0, slash), serviceAccount: value.slice(slash + 1) };
  };
}

function compileSource(src: AuthzSource, policyNamespace: string): L7Source {
  const block = (b: { cidr: Cidr }): Cidr => b.cidr;
  return {
    principals: field(src.principals, src.notPrincipals, toStringMatcher),
    requestPrincipals: field(
      src.requestPrincipals,
      src.notRequestPrincipals,
      requestPrincipalMatcher,
    ),
    namespaces: field(src.namespaces, src.notNamespaces, namespaceMatcher),
    serviceAccounts: field(
      src.serviceAccounts,
      src.notServiceAccounts,
      serviceAccount(policyNamespace),
    ),
    trustDomains: field(src.trustDomains, src.notTrustDomains, toStringMatcher),
    ipBlocks: field(src.ipBlocks, src.notIpBlocks, block),
    remoteIpBlocks: field(src.remoteIpBlocks, src.notRemoteIpBlocks, block),
  };
}

function compileOperation(op: AuthzOperation): L7Operation {
  return {
    hosts: field(op.hosts, op.notHosts, hostMatcher),
    ports: field(op.ports, op.notPorts, (p) => p.port),
    methods: field(op.methods, op.notMethods, toStringMatcher),
    paths: field(op.paths, op.notPaths, pathMatcher),
  };
}

function compileCondition(cond: AuthzCondition, policyNamespace: string): L7Condition {
  const key = parseConditionKey(cond.key);
  if ('error' in key)
    throw new Error(`internal: unvalidated key "${cond.key}" reached L7 compilation`);
  const { values, notValues } = cond;
  let condition: L7ConditionValues;
  switch (key.kind) {
    case 'source.ip':
    case 'remote.ip':
    case 'destination.ip':
      condition = { type: 'ip', match: field(values, notValues, cidr) };
      break;
    case 'destination.port':
      condition = { type: 'port', match: field(values, notValues, Number) };
      break;
    case 'source.serviceAccount':
      condition = {
        type: 'serviceAccount',
        match: field(values, notValues, serviceAccount(policyNamespace)),
      };
      break;
    case 'request.auth.principal':
      condition = {
        type: 'requestPrincipal',
        match: field(values, notValues, requestPrincipalMatcher),
      };
      break;
    case 'source.namespace':
      condition = { type: 'namespace', match: field(values, notValues, namespaceMatcher) };
      break;
    case 'experimental':
      condition = { type: 'unsupported' };
      break;
    default:
      condition = { type: 'string', match: field(values, notValues, toStringMatcher) };
  }
  return { key, text: cond.key, condition };
}

/** Compiles a parsed AuthorizationPolicy for the waypoint's evaluator. */
export function compileL7Policy(policy: AuthzPolicy): L7Policy {
  const rules: L7Rule[] = policy.rules.map((rule) => ({
    from: rule.from.map((s) => compileSource(s, policy.namespace)),
    to: rule.to.map(compileOperation),
    when: rule.when.map((c) => compileCondition(c, policy.namespace)),
  }));
  return {
    name: policy.name,
    namespace: policy.namespace,
    action: policy.action,
    ...(policy.provider !== undefined && { provider: policy.provider }),
    dryRun: policy.dryRun,
    rules,
  };
}

/**
 * What a waypoint enforces for an AuthorizationPolicy object that failed
 * validation (dropping it would widen access): a DENY, CUSTOM or unreadable
 * action denies every request, an ALLOW allows nothing; AUDIT needs nothing.
 * Undefined when the object cannot be identified or is an AUDIT policy.
 */
export function failClosedL7Policy(obj: unknown): L7Policy | undefined {
  const asObject = (v: unknown): Readonly<Record<string, unknown>> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  const root = asObject(obj);
  const metadata = asObject(root?.metadata);
  const name = metadata?.name;
  const namespace = metadata?.namespace;
  if (
    typeof name !== 'string' ||
    name === '' ||
    typeof namespace !== 'string' ||
    namespace === ''
  ) {
    return undefined;
  }
  const action = asObject(root?.spec)?.action ?? 'ALLOW';
  if (action === 'AUDIT') return undefined;
  const dryRunText = asObject(metadata?.annotations)?.[DRY_RUN_ANNOTATION];
  const dryRun = typeof dryRunText === 'string' && parseGoBool(dryRunText) === true;
  const denies = action !== 'ALLOW';
  return {
    name,
    namespace,
    action: denies ? 'DENY' : 'ALLOW',
    dryRun,
    rules: denies ? [{ from: [], to: [], when: [] }] : [],
  };
}

/** Parses, validates (throws PolicyValidationError) and compiles an AuthorizationPolicy object. */
export function parseL7Policy(obj: unknown): L7Policy {
  return compileL7Policy(parseAuthorizationPolicy(obj));
}
