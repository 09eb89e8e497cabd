/** The peer identity from the mTLS handshake (spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>). */
export interface PeerIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** The principal policies compare against: the SPIFFE id without `spiffe://`. */
export function principalOf(id: PeerIdentity): string {
  return `${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

export interface Verdict {
  readonly allowed: boolean;
  /** ztunnel's wording where it has one, e.g. "explicitly denied by: ns/name". */
  readonly reason: string;
  /** `namespace/name` of the policy that decided, when one did. */
  readonly matchedPolicy?: string;
}

export interface Decision extends Verdict {
  /**
   * Present when dry-run policies were in the set: the verdict had they been
   * enforced. It never changes `allowed`; callers log it.
   */
  readonly dryRun?: Verdict;
}
