// The listener's policies against one request or connection, through the
// shared L7 evaluator. Anything the evaluator cannot read about the peer or
// destination denies (fail closed): that is a bug in the caller, not traffic
// to let through.

import {
  evaluateL7,
  InvalidEvaluationInputError,
  type L7Decision,
  type L7Policy,
  type PeerIdentity,
} from '@ambient-ts/policy';
import { parseIstioIdentity } from '@ambient-ts/spiffe';
import type { PeerView } from './types.js';

export interface AuthzInput {
  readonly peer: PeerView;
  readonly destination: { readonly ip: string; readonly port: number };
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

export interface AuthzResult {
  readonly allowed: boolean;
  /** Set when the request is malformed (answered 400, as upstream). */
  readonly badRequest?: string;
  readonly policy?: string;
  readonly audited: readonly string[];
  /** What dry-run policies would have decided, when any exist. */
  readonly dryRun?: { readonly allowed: boolean; readonly policy?: string };
}

/**
 * The peer's identity from its SPIFFE URI. A certificate with a SPIFFE id
 * outside Istio's `/ns/<ns>/sa/<sa>` form has no identity here: principal,
 * namespace and service-account rules do not match it.
 */
export function peerIdentity(uri: string | undefined): PeerIdentity | undefined {
  if (uri === undefined) return undefined;
  try {
    const id = parseIstioIdentity(uri);
    return {
      trustDomain: id.trustDomain,
      namespace: id.namespace,
      serviceAccount: id.serviceAccount,
    };
  } catch {
    return undefined;
  }
}

export function authorize(policies: readonly L7Policy[], input: AuthzInput): AuthzResult {
  const identity = peerIdentity(input.peer.identity);
  let d: L7Decision;
  try {
    d = evaluateL7(policies, {
      ...(identity && { sourceIdentity: identity }),
      sourceIp: input.peer.ip,
      destinationIp: input.destination.ip,
      destinationPort: input.destination.port,
      method: input.method,
      path: input.path,
      host: input.authority,
      headers: input.headers,
    });
  } catch (err) {
    if (err instanceof InvalidEvaluationInputError) return { allowed: false, audited: [] };
    throw err;
  }
  return {
    allowed: d.allowed,
    ...(d.badRequest !== undefined && { badRequest: d.badRequest }),
    ...(d.matchedPolicy !== undefined && { policy: d.matchedPolicy }),
    audited: d.audited ?? [],
    ...(d.dryRun && {
      dryRun: {
        allowed: d.dryRun.allowed,
        ...(d.dryRun.matchedPolicy !== undefined && { policy: d.dryRun.matchedPolicy }),
      },
    }),
  };
}
