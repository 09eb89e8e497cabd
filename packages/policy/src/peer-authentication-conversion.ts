// PeerAuthentication → istio.security.Authorization. ztunnel never sees
// PeerAuthentication: istiod sends one static "deny plaintext" policy and, for
// workload policies with port-level exceptions, a converted DENY policy, and
// lists on each workload the keys of whichever applies.

import type { security } from '@ambient-ts/xds-types';
import { EMPTY_MATCH, policyKey, type L4Clause, type L4Policy, type L4Rule } from './l4-model.js';
import { l4PolicyToProto } from './l4-proto.js';
import type { MtlsMode, PeerAuthn } from './model.js';
import { DEFAULT_ROOT_NAMESPACE } from './ztunnel-translation.js';

/** Uses '_' so it can never collide with a Kubernetes object name. */
export const STATIC_STRICT_POLICY_NAME = 'istio_converted_static_strict';
export const CONVERTED_PEER_AUTHENTICATION_PREFIX = 'converted_peer_authentication_';

export interface PeerAuthenticationOptions {
  /** MeshConfig rootNamespace (mesh-wide PeerAuthentications live there). Default istio-system. */
  readonly rootNamespace?: string;
}

/** "Deny any connection without a peer identity." */
const DENY_PLAINTEXT: L4Clause = {
  matches: [{ ...EMPTY_MATCH, notPrincipals: [{ kind: 'presence' }] }],
};

function isNamespaceLevel(pa: PeerAuthn): boolean {
  return !pa.selector || Object.keys(pa.selector.matchLabels).length === 0;
}

function timestamp(pa: PeerAuthn): number {
  const t = pa.creationTimestamp === undefined ? NaN : Date.parse(pa.creationTimestamp);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** The oldest policy wins; equal (or missing) timestamps fall back to namespace/name order. */
function oldest(policies: readonly PeerAuthn[]): PeerAuthn | undefined {
  const byKey = (a: PeerAuthn, b: PeerAuthn): number =>
    policyKey(a) < policyKey(b) ? -1 : policyKey(a) > policyKey(b) ? 1 : 0;
  return [...policies].sort((a, b) => timestamp(a) - timestamp(b) || byKey(a, b))[0];
}

/** The effective mode a workload inherits from its namespace policy, else the mesh policy. */
function parentIsStrict(namespacePolicy?: PeerAuthn, meshPolicy?: PeerAuthn): boolean {
  if (namespacePolicy && namespacePolicy.mtlsMode !== 'UNSET') {
    return namespacePolicy.mtlsMode === 'STRICT';
  }
  return meshPolicy?.mtlsMode === 'STRICT';
}

const isLax = (mode: MtlsMode): boolean => mode === 'PERMISSIVE' || mode === 'DISABLE';

/** The static policy every STRICT workload without port exceptions lists. */
export function staticStrictAuthorization(
  options: PeerAuthenticationOptions = {},
): security.Authorization {
  return l4PolicyToProto({
    name: STATIC_STRICT_POLICY_NAME,
    namespace: options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE,
    scope: 'WORKLOAD_SELECTOR',
    action: 'DENY',
    dryRun: false,
    rules: [{ clauses: [DENY_PLAINTEXT] }],
  });
}

/**
 * Converts one workload-selector PeerAuthentication with port-level mTLS into
 * `converted_peer_authentication_<name>` (DENY, WORKLOAD_SELECTOR), merging in
 * the strictness it inherits. Undefined when the policy needs no converted
 * form (not a workload policy, in the root namespace, no port-level mTLS, or
 * STRICT on every port).
 *
 * `namespacePolicy`/`meshPolicy` are the effective selector-less policies of
 * the PA's namespace and of the root namespace. Unlike istiod (whose operator
 * precedence lets a mesh-wide STRICT hide a STRICT port under a PERMISSIVE
 * workload, and an UNSET namespace policy hide a mesh-wide STRICT), inherited
 * strictness is always namespace-then-mesh, so no exception is silently lost.
 */
export function convertPeerAuthentication(
  pa: PeerAuthn,
  context: PeerAuthenticationOptions & {
    readonly namespacePolicy?: PeerAuthn;
    readonly meshPolicy?: PeerAuthn;
  } = {},
): security.Authorization | undefined {
  const rootNamespace = context.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  if (pa.namespace === rootNamespace || !pa.selector || pa.portLevelMtls.size === 0)
    return undefined;
  const mode = pa.mtlsMode;
  const inherited = parentIsStrict(context.namespacePolicy, context.meshPolicy);
  const strictAbove = mode === 'STRICT' || (mode === 'UNSET' && inherited);

  const clauses: L4Clause[] = mode === 'STRICT' ? [DENY_PLAINTEXT] : [];
  const portRules: L4Rule[] = [];
  let foundNonStrictPort = false;
  for (const [port, portMode] of pa.portLevelMtls) {
    if (portMode === 'STRICT') {
      if (strictAbove) continue; // already enforced by the workload-wide deny
      // Rules are ORed: one "deny plaintext on this port" rule per STRICT port.
      portRules.push({
        clauses: [
          {
            matches: [
              { ...EMPTY_MATCH, notPrincipals: [{ kind: 'presence' }], destinationPorts: [port] },
            ],
          },
        ],
      });
    } else if (isLax(portMode)) {
      if (!strictAbove) continue; // nothing to exempt the port from
      foundNonStrictPort = true;
      // "deny plaintext … unless the connection is to this port"
      clauses.push({ matches: [{ ...EMPTY_MATCH, notDestinationPorts: [port] }] });
    }
  }
  if (mode === 'STRICT' && !foundNonStrictPort) return undefined; // the static policy covers it
  if (clauses.length === 0 && portRules.length === 0) return undefined;
  if (inherited && foundNonStrictPort) clauses.push(DENY_PLAINTEXT);

  const rules = clauses.length > 0 ? [...portRules, { clauses }] : portRules;
  const policy: L4Policy = {
    name: CONVERTED_PEER_AUTHENTICATION_PREFIX + pa.name,
    namespace: pa.namespace,
    scope: 'WORKLOAD_SELECTOR',
    action: 'DENY',
    dryRun: false,
    rules,
  };
  return l4PolicyToProto(policy);
}

/**
 * Every Authorization istiod sends for the given PeerAuthentications: the
 * static STRICT policy as soon as any PeerAuthentication exists, plus each
 * converted workload policy.
 */
export function convertPeerAuthentications(
  all: readonly PeerAuthn[],
  options: PeerAuthenticationOptions = {},
): security.Authorization[] {
  if (all.length === 0) return [];
  const rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const namespaceLevel = (ns: string): PeerAuthn | undefined =>
    oldest(all.filter((p) => p.namespace === ns && isNamespaceLevel(p)));
  const meshPolicy = namespaceLevel(rootNamespace);
  const out = [staticStrictAuthorization({ rootNamespace })];
  for (const pa of all) {
    const namespacePolicy = namespaceLevel(pa.namespace);
    const converted = convertPeerAuthentication(pa, {
      rootNamespace,
      ...(namespacePolicy && { namespacePolicy }),
      ...(meshPolicy && { meshPolicy }),
    });
    if (converted) out.push(converted);
  }
  return out;
}

/**
 * The PeerAuthentication-derived policy keys a workload lists in its
 * authorization_policies, from the PeerAuthentications that apply to it (the
 * mesh-wide and namespace ones, and the workload-selector ones selecting it).
 */
export function peerAuthenticationPolicyKeys(
  applicable: readonly PeerAuthn[],
  options: PeerAuthenticationOptions = {},
): string[] {
  const rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const meshPolicy = oldest(
    applicable.filter((p) => isNamespaceLevel(p) && p.namespace === rootNamespace),
  );
  const namespacePolicy = oldest(
    applicable.filter((p) => isNamespaceLevel(p) && p.namespace !== rootNamespace),
  );
  const workload = oldest(
    applicable.filter((p) => !isNamespaceLevel(p) && p.namespace !== rootNamespace),
  );

  let strict = parentIsStrict(namespacePolicy, meshPolicy);
  let convertedKey: string | undefined;
  const convertedKeyOf = (pa: PeerAuthn): string =>
    `${pa.namespace}/${CONVERTED_PEER_AUTHENTICATION_PREFIX}${pa.name}`;

  if (workload) {
    if (workload.mtlsMode === 'STRICT') strict = true;
    if (isLax(workload.mtlsMode)) strict = false;
    const portModes = [...workload.portLevelMtls.values()];
    if (portModes.length > 0) {
      if (workload.mtlsMode === 'STRICT') {
        if (portModes.some(isLax)) {
          convertedKey = convertedKeyOf(workload);
          strict = false; // the converted policy carries the workload-wide deny
        }
      } else if (isLax(workload.mtlsMode)) {
        if (portModes.includes('STRICT')) convertedKey = convertedKeyOf(workload);
      } else if (strict) {
        if (portModes.includes('PERMISSIVE')) {
          convertedKey = convertedKeyOf(workload);
          strict = false;
        }
      } else if (portModes.includes('STRICT')) {
        convertedKey = convertedKeyOf(workload);
      }
    }
  }
  const keys = new Set<string>();
  if (strict) keys.add(`${rootNamespace}/${STATIC_STRICT_POLICY_NAME}`);
  if (convertedKey) keys.add(convertedKey);
  return [...keys].sort();
}
