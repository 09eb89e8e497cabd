// Public API of @ambient-ts/policy: the AuthorizationPolicy / PeerAuthentication
// model, translation to istio.security.Authorization (istiod), its validating
// reader (ztunnel), and the L4 (ztunnel) and L7 (waypoint) evaluators.

export type {
  AuthzAction,
  AuthzCondition,
  AuthzOperation,
  AuthzPolicy,
  AuthzRule,
  AuthzSource,
  IpBlock,
  MtlsMode,
  PeerAuthn,
  PolicyTargetRef,
  PortValue,
  WorkloadSelector,
} from './model.js';
export {
  AuthorizationRejectedError,
  InvalidEvaluationInputError,
  PolicyValidationError,
  type ValidationIssue,
} from './errors.js';
export { DRY_RUN_ANNOTATION, parseAuthorizationPolicy } from './parse-authorization-policy.js';
export { parsePeerAuthentication } from './parse-peer-authentication.js';

export type { Cidr, IpAddress } from './ip.js';
export type { StringMatcher } from './string-match.js';
export {
  policyKey,
  type L4Action,
  type L4Clause,
  type L4Match,
  type L4Policy,
  type L4Rule,
  type L4Scope,
  type ServiceAccountRef,
} from './l4-model.js';

export {
  DEFAULT_ROOT_NAMESPACE,
  failClosedForZtunnel,
  translateForZtunnel,
  ztunnelAcceptedCondition,
  type PolicyStatusMessage,
  type TranslationResult,
  type ZtunnelTranslationOptions,
} from './ztunnel-translation.js';
export {
  HTTP_ALLOW_RULE,
  HTTP_DENY_MIXED,
  HTTP_DENY_NO_EFFECT,
  MESSAGE_ATTACHED,
  REASON_ACCEPTED,
  REASON_INVALID,
  REASON_UNSUPPORTED_VALUE,
  ZTUNNEL_ACCEPTED,
} from './status-messages.js';
export {
  CONVERTED_PEER_AUTHENTICATION_PREFIX,
  STATIC_STRICT_POLICY_NAME,
  convertPeerAuthentication,
  convertPeerAuthentications,
  peerAuthenticationPolicyKeys,
  staticStrictAuthorization,
  type PeerAuthenticationOptions,
} from './peer-authentication-conversion.js';
export {
  authorizationFromProto,
  failClosedStandIn,
  l4PolicyToProto,
  type RejectedAuthorization,
} from './l4-proto.js';

export { principalOf, type Decision, type PeerIdentity, type Verdict } from './decision.js';
export {
  evaluateL4,
  l4PolicyMatches,
  selectL4Policies,
  type L4Connection,
  type L4EvaluationOptions,
  type PolicySelection,
} from './l4-evaluator.js';

export type {
  Field,
  GlobMatcher,
  L7Condition,
  L7ConditionValues,
  L7Operation,
  L7Policy,
  L7Rule,
  L7Source,
  PathTemplateMatcher,
  RequestPrincipalField,
  RequestPrincipalMatcher,
} from './l7-model.js';
export { compileL7Policy, failClosedL7Policy, parseL7Policy } from './l7-compile.js';
export {
  normalizeRequestPath,
  type NormalizedPath,
  type PathNormalization,
} from './path-normalization.js';
export {
  evaluateL7,
  type L7Decision,
  type L7EvaluationOptions,
  type L7Request,
} from './l7-evaluator.js';
export {
  asciiLower,
  formatL7StringMatcher,
  matchesL7String,
  stringMatchFromProto,
  type CaselessMatcher,
  type L7StringMatcher,
  type RegexMatcher,
} from './l7-string-match.js';
export { MAX_REGEX_LENGTH, Re2Pattern } from './re2.js';
export { L7PolicyRejectedError, l7PolicyFromProto, type L7ListenerProtocol } from './l7-proto.js';
