/** One problem found in an object, located by its field path. */
export interface ValidationIssue {
  /** Field path in the object, e.g. `spec.rules[0].to[0].operation.ports[1]`. */
  readonly path: string;
  /** What is wrong with the value at `path`. */
  readonly message: string;
}

function describe(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/**
 * An AuthorizationPolicy or PeerAuthentication object is malformed. `path` is
 * the first offending field; `issues` lists every problem found. Nothing is
 * derived from such an object except a fail-closed stand-in
 * (see failClosedForZtunnel).
 */
export class PolicyValidationError extends Error {
  override readonly name = 'PolicyValidationError';
  readonly path: string;
  constructor(
    readonly kind: 'AuthorizationPolicy' | 'PeerAuthentication',
    readonly issues: readonly [ValidationIssue, ...ValidationIssue[]],
  ) {
    super(`invalid ${kind}: ${describe(issues)}`);
    this.path = issues[0].path;
  }
}

/**
 * An istio.security.Authorization received over xDS is malformed; the ADS
 * client NACKs it with this message. `key` is `namespace/name` as far as it
 * could be read; `scope`/`action` are set when their values were valid and
 * `dryRun` is as sent, so the caller can install a fail-closed stand-in
 * (failClosedStandIn).
 */
export class AuthorizationRejectedError extends Error {
  override readonly name = 'AuthorizationRejectedError';
  readonly path: string;
  constructor(
    readonly key: string,
    readonly issues: readonly [ValidationIssue, ...ValidationIssue[]],
    readonly scope: 'GLOBAL' | 'NAMESPACE' | 'WORKLOAD_SELECTOR' | undefined,
    readonly action: 'ALLOW' | 'DENY' | undefined,
    readonly dryRun: boolean,
  ) {
    super(`rejected istio.security.Authorization ${key}: ${describe(issues)}`);
    this.path = issues[0].path;
  }
}

/** The caller described a connection or request we cannot evaluate (a bug on its side). */
export class InvalidEvaluationInputError extends Error {
  override readonly name = 'InvalidEvaluationInputError';
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`cannot evaluate authorization: ${field}: ${detail}`);
  }
}
