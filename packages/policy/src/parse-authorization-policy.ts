// AuthorizationPolicy (security.istio.io v1/v1beta1) from a plain Kubernetes
// object: every check istio's admission validation makes, plus strict typing
// and unknown-field rejection, each reported with its field path.

import { parseConditionKey } from './condition-keys.js';
import { PolicyValidationError } from './errors.js';
import { FieldReader, fieldPath, indexPath, type JsonObject } from './field-reader.js';
import type {
  AuthzAction,
  AuthzCondition,
  AuthzOperation,
  AuthzPolicy,
  AuthzRule,
  AuthzSource,
  PolicyTargetRef,
} from './model.js';
import { readObjectEnvelope, readSelector } from './object-meta.js';
import {
  checkNonEmpty,
  checkPathTemplates,
  checkServiceAccounts,
  checkTrustDomains,
  checkWildcardValues,
  readIpBlocks,
  readPorts,
} from './value-checks.js';

export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

const ACTIONS: readonly AuthzAction[] = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'];
const SPEC_KEYS = ['selector', 'targetRef', 'targetRefs', 'rules', 'action', 'provider'];
const RULE_KEYS = ['from', 'to', 'when'];
const SOURCE_STRING_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
] as const;
const SOURCE_IP_FIELDS = [
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
] as const;
const OPERATION_STRING_FIELDS = [
  'hosts',
  'notHosts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
] as const;
/** Source fields that identify the peer: not available to a CUSTOM (ext-authz) policy. */
const CUSTOM_UNSUPPORTED_SOURCE_FIELDS: ReadonlySet<string> = new Set([
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
]);
const CUSTOM_UNSUPPORTED_KEYS: ReadonlySet<string> = new Set([
  'source.namespace',
  'source.serviceAccount',
  'source.trustDomain',
  'source.principal',
]);
/** Allowed targetRef group/kind pairs ("core" is the canonical name of the "" group). */
const TARGET_KINDS: ReadonlyMap<string, string> = new Map([
  ['Service', ''],
  ['ServiceEntry', 'networking.istio.io'],
  ['Gateway', 'gateway.networking.k8s.io'],
  ['GatewayClass', 'gateway.networking.k8s.io'],
]);

const NO_RULES_MEANINGLESS = (action: string): string =>
  `${action} action without \`rules\` is meaningless as it will never be triggered, ` +
  'add an empty rule `{}` if you want it be triggered for every request';

export const HTTP_ONLY_DENY_WARNING =
  'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to ' +
  'the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port';

/** Go's strconv.ParseBool spellings, which istiod uses for the dry-run annotation. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

interface RuleContext {
  readonly reader: FieldReader;
  readonly action: AuthzAction | undefined;
  readonly warnings: string[];
}

function readSource(ctx: RuleContext, value: JsonObject, path: string): AuthzSource {
  const { reader } = ctx;
  reader.knownKeys(value, path, [...SOURCE_STRING_FIELDS, ...SOURCE_IP_FIELDS]);
  const strings = Object.fromEntries(
    SOURCE_STRING_FIELDS.map((f) => {
      const values = reader.stringList(value, f, path);
      checkNonEmpty(reader, fieldPath(path, f), values);
      return [f, values];
    }),
  ) as Record<(typeof SOURCE_STRING_FIELDS)[number], string[]>;
  const ips = Object.fromEntries(
    SOURCE_IP_FIELDS.map((f) => [
      f,
      readIpBlocks(reader, fieldPath(path, f), reader.stringList(value, f, path)),
    ]),
  ) as Record<(typeof SOURCE_IP_FIELDS)[number], ReturnType<typeof readIpBlocks>>;
  checkServiceAccounts(reader, fieldPath(path, 'serviceAccounts'), strings.serviceAccounts);
  checkServiceAccounts(reader, fieldPath(path, 'notServiceAccounts'), strings.notServiceAccounts);
  checkTrustDomains(reader, fieldPath(path, 'trustDomains'), strings.trustDomains);
  checkTrustDomains(reader, fieldPath(path, 'notTrustDomains'), strings.notTrustDomains);

  const present = (f: string): boolean => Array.isArray(value[f]) && value[f].length > 0;
  if (![...SOURCE_STRING_FIELDS, ...SOURCE_IP_FIELDS].some(present)) {
    reader.report(path, 'must not be empty');
  }
  if (
    (present('serviceAccounts') || present('notServiceAccounts')) &&
    ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'].some(present)
  ) {
    reader.report(path, 'cannot set serviceAccounts with namespaces or principals');
  }
  if (ctx.action === 'CUSTOM') {
    for (const f of CUSTOM_UNSUPPORTED_SOURCE_FIELDS) {
      if (present(f)) reader.report(fieldPath(path, f), 'not supported with CUSTOM action');
    }
  }
  for (const [i, p] of [...strings.principals, ...strings.notPrincipals].entries()) {
    if (p.startsWith('spiffe://')) {
      ctx.warnings.push(
        `principal "${p}" (${path}, value ${i}) starts with spiffe://; principals are written ` +
          'without it (e.g. cluster.local/ns/default/sa/app), so this value never matches',
      );
    }
  }
  return { ...strings, ...ips };
}

function readOperation(ctx: RuleContext, value: JsonObject, path: string): AuthzOperation {
  const { reader } = ctx;
  reader.knownKeys(value, path, [...OPERATION_STRING_FIELDS, 'ports', 'notPorts']);
  const strings = Object.fromEntries(
    OPERATION_STRING_FIELDS.map((f) => {
      const values = reader.stringList(value, f, path);
      checkNonEmpty(reader, fieldPath(path, f), values);
      return [f, values];
    }),
  ) as Record<(typeof OPERATION_STRING_FIELDS)[number], string[]>;
  checkPathTemplates(reader, fieldPath(path, 'paths'), strings.paths);
  checkPathTemplates(reader, fieldPath(path, 'notPaths'), strings.notPaths);
  const ports = readPorts(
    reader,
    fieldPath(path, 'ports'),
    reader.stringList(value, 'ports', path),
  );
  const notPorts = readPorts(
    reader,
    fieldPath(path, 'notPorts'),
    reader.stringList(value, 'notPorts', path),
  );
  const present = (f: string): boolean => Array.isArray(value[f]) && value[f].length > 0;
  if (![...OPERATION_STRING_FIELDS, 'ports', 'notPorts'].some(present)) {
    reader.report(path, 'must not be empty');
  }
  return { ...strings, ports, notPorts };
}

function checkConditionValues(
  ctx: RuleContext,
  key: string,
  values: readonly string[],
  path: string,
): void {
  const { reader } = ctx;
  const parsed = parseConditionKey(key);
  if ('error' in parsed) return; // reported once, on the key
  switch (parsed.kind) {
    case 'source.ip':
    case 'remote.ip':
    case 'destination.ip':
      readIpBlocks(reader, path, values);
      return;
    case 'destination.port':
      readPorts(reader, path, values);
      return;
    case 'source.serviceAccount':
      checkNonEmpty(reader, path, values);
      checkServiceAccounts(reader, path, values);
      return;
    case 'source.trustDomain':
      checkNonEmpty(reader, path, values);
      checkWildcardValues(reader, path, values);
      return;
    default:
      checkNonEmpty(reader, path, values);
  }
}

function readCondition(ctx: RuleContext, value: JsonObject, path: string): AuthzCondition {
  const { reader } = ctx;
  reader.knownKeys(value, path, ['key', 'values', 'notValues']);
  const key = reader.requiredString(value, 'key', path) ?? '';
  const values = reader.stringList(value, 'values', path);
  const notValues = reader.stringList(value, 'notValues', path);
  if (key !== '') {
    const parsed = parseConditionKey(key);
    if ('error' in parsed) reader.report(fieldPath(path, 'key'), parsed.error);
    else if (
      ctx.action === 'CUSTOM' &&
      (CUSTOM_UNSUPPORTED_KEYS.has(key) || key.startsWith('request.auth.'))
    ) {
      reader.report(fieldPath(path, 'key'), `${key} is not supported with CUSTOM action`);
    }
    if (values.length === 0 && notValues.length === 0) {
      reader.report(path, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
    }
    checkConditionValues(ctx, key, values, fieldPath(path, 'values'));
    checkConditionValues(ctx, key, notValues, fieldPath(path, 'notValues'));
  }
  return { key, values, notValues };
}

/** Reads a list of wrapper objects (`from[].source`, `to[].operation`). */
function readWrapped<T>(
  ctx: RuleContext,
  rule: JsonObject,
  listKey: string,
  innerKey: string,
  path: string,
  read: (value: JsonObject, path: string) => T,
): T[] {
  const { reader } = ctx;
  const list = reader.optionalList(rule, listKey, path);
  const listPath = fieldPath(path, listKey);
  if (list?.length === 0) reader.report(listPath, 'must not be empty when set');
  const out: T[] = [];
  (list ?? []).forEach((item, i) => {
    const itemPath = indexPath(listPath, i);
    const wrapper = reader.object(item, itemPath);
    if (!wrapper) return;
    reader.knownKeys(wrapper, itemPath, [innerKey]);
    const inner = reader.optionalObject(wrapper, innerKey, itemPath);
    if (inner) out.push(read(inner, fieldPath(itemPath, innerKey)));
    else if (wrapper[innerKey] === undefined || wrapper[innerKey] === null) {
      reader.report(fieldPath(itemPath, innerKey), 'required field is missing');
    }
  });
  return out;
}

function readRule(ctx: RuleContext, value: unknown, path: string): AuthzRule | undefined {
  const { reader } = ctx;
  const rule = reader.object(value, path);
  if (!rule) return undefined;
  reader.knownKeys(rule, path, RULE_KEYS);
  const from = readWrapped(ctx, rule, 'from', 'source', path, (v, p) => readSource(ctx, v, p));
  const to = readWrapped(ctx, rule, 'to', 'operation', path, (v, p) => readOperation(ctx, v, p));
  const when: AuthzCondition[] = [];
  (reader.optionalList(rule, 'when', path) ?? []).forEach((item, i) => {
    const at = indexPath(fieldPath(path, 'when'), i);
    const cond = reader.object(item, at);
    if (cond) when.push(readCondition(ctx, cond, at));
  });

  if (ctx.action === 'DENY') {
    const tcpInFrom = from.some(
      (s) =>
        s.principals.length + s.notPrincipals.length + s.namespaces.length > 0 ||
        s.notNamespaces.length + s.ipBlocks.length + s.notIpBlocks.length > 0 ||
        s.remoteIpBlocks.length + s.notRemoteIpBlocks.length > 0 ||
        s.serviceAccounts.length + s.notServiceAccounts.length > 0,
    );
    const tcpInTo = to.some((o) => o.ports.length + o.notPorts.length > 0);
    if ((from.length > 0 && to.length === 0 && !tcpInFrom) || (to.length > 0 && !tcpInTo)) {
      if (!ctx.warnings.includes(HTTP_ONLY_DENY_WARNING)) ctx.warnings.push(HTTP_ONLY_DENY_WARNING);
    }
  }
  return { from, to, when };
}

function readTargetRef(
  reader: FieldReader,
  value: unknown,
  path: string,
  policyNamespace: string,
): PolicyTargetRef | undefined {
  const ref = reader.object(value, path);
  if (!ref) return undefined;
  reader.knownKeys(ref, path, ['group', 'kind', 'name', 'namespace']);
  const rawGroup = reader.optionalString(ref, 'group', path) ?? '';
  const group = rawGroup === 'core' ? '' : rawGroup;
  const kind = reader.requiredString(ref, 'kind', path);
  const name = reader.requiredString(ref, 'name', path);
  const namespace = reader.optionalString(ref, 'namespace', path);
  if (namespace !== undefined && namespace !== '' && namespace !== policyNamespace) {
    reader.report(
      fieldPath(path, 'namespace'),
      'cross namespace referencing is not supported; the target must be in the policy namespace',
    );
  }
  if (kind === undefined || name === undefined) return undefined;
  if (TARGET_KINDS.get(kind) !== group) {
    reader.report(
      path,
      `targetRef must be to a Service (core), ServiceEntry (networking.istio.io), Gateway or ` +
        `GatewayClass (gateway.networking.k8s.io), but was ${rawGroup || '(core)'}/${kind}`,
    );
    return undefined;
  }
  return {
    group,
    kind: kind as PolicyTargetRef['kind'],
    name,
    ...(namespace && { namespace }),
  };
}

/**
 * Parses and validates an AuthorizationPolicy object. Throws
 * PolicyValidationError naming every offending field; never returns a policy
 * with a constraint silently dropped.
 */
export function parseAuthorizationPolicy(obj: unknown): AuthzPolicy {
  const reader = new FieldReader();
  const warnings: string[] = [];
  const envelope = readObjectEnvelope(reader, obj, 'AuthorizationPolicy');
  const spec = envelope?.spec ?? {};
  reader.knownKeys(spec, 'spec', SPEC_KEYS);

  const actionText = reader.optionalString(spec, 'action', 'spec') ?? 'ALLOW';
  const action = ACTIONS.find((a) => a === actionText);
  if (!action) {
    reader.report('spec.action', `"${actionText}" is not an action (${ACTIONS.join(', ')})`);
  }

  const selector = readSelector(reader, spec, warnings);
  const namespace = envelope?.meta.namespace ?? '';
  const targetRefs: PolicyTargetRef[] = [];
  const single = reader.optionalObject(spec, 'targetRef', 'spec');
  if (single) {
    const ref = readTargetRef(reader, single, 'spec.targetRef', namespace);
    if (ref) targetRefs.push(ref);
  }
  const refList = reader.optionalList(spec, 'targetRefs', 'spec') ?? [];
  refList.forEach((item, i) => {
    const ref = readTargetRef(reader, item, indexPath('spec.targetRefs', i), namespace);
    if (ref) targetRefs.push(ref);
  });
  if (
    [selector !== undefined, single !== undefined, refList.length > 0].filter(Boolean).length > 1
  ) {
    reader.report('spec', 'only one of targetRefs or workloadSelector can be set');
  }

  const providerObj = reader.optionalObject(spec, 'provider', 'spec');
  let provider: string | undefined;
  if (providerObj) {
    reader.knownKeys(providerObj, 'spec.provider', ['name']);
    provider = reader.optionalString(providerObj, 'name', 'spec.provider');
    if (action !== undefined && action !== 'CUSTOM') {
      reader.report(
        'spec.provider',
        `\`provider\` must not be with non CUSTOM action, found ${action}`,
      );
    }
  }

  const ctx: RuleContext = { reader, action, warnings };
  const ruleList = reader.optionalList(spec, 'rules', 'spec') ?? [];
  const rules: AuthzRule[] = [];
  ruleList.forEach((item, i) => {
    const rule = readRule(ctx, item, indexPath('spec.rules', i));
    if (rule) rules.push(rule);
  });
  if (ruleList.length === 0 && (action === 'DENY' || action === 'CUSTOM')) {
    reader.report('spec.rules', NO_RULES_MEANINGLESS(action));
  }
  if (action === 'CUSTOM' && ruleList.length > 0 && !provider) {
    reader.report('spec.provider.name', '`provider.name` must not be empty');
  }

  let dryRun = false;
  const dryRunText = envelope?.meta.annotations[DRY_RUN_ANNOTATION];
  if (dryRunText !== undefined && dryRunText !== '') {
    const parsed = parseGoBool(dryRunText);
    if (parsed === undefined) {
      warnings.push(
        `annotation ${DRY_RUN_ANNOTATION}: "${dryRunText}" is not a boolean; the policy is enforced`,
      );
    }
    dryRun = parsed ?? false;
  }

  const [first, ...rest] = reader.issues;
  if (first || !envelope || !action) {
    throw new PolicyValidationError(
      'AuthorizationPolicy',
      first ? [first, ...rest] : [{ path: '(object)', message: 'not an AuthorizationPolicy' }],
    );
  }
  return {
    name: envelope.meta.name,
    namespace: envelope.meta.namespace,
    ...(envelope.meta.generation !== undefined && { generation: envelope.meta.generation }),
    dryRun,
    ...(selector && { selector }),
    targetRefs,
    action,
    ...(provider !== undefined && { provider }),
    rules,
    warnings,
  };
}
