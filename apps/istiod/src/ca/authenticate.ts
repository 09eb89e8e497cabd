// Who is calling the CA: the bearer token from gRPC metadata, reviewed by the
// API server (TokenReview), turned into a caller identity — or a reason it
// is not one. Pure: the TokenReview answer comes in as data. The reasons are
// for the log only; the caller always sees upstream's opaque
// `request authenticate failure` (reliability.md §2.3, §5.5).

import type { TokenReviewStatus } from '../kube/kube-api.js';

export const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';
export const POD_UID_EXTRA = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name';
const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

export interface Caller {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** From a projected (pod-bound) token; absent for a plain SA token. */
  readonly podName?: string;
  readonly podUid?: string;
  /** From the token's node binding, when the API server includes it. */
  readonly nodeName?: string;
  /** `spiffe://<td>/ns/<ns>/sa/<sa>`. */
  readonly identity: string;
}

export type AuthResult =
  { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly reason: string };

/** The token from `authorization: Bearer <token>`, or a reason there is none. */
export function bearerToken(
  values: readonly (string | Buffer)[],
): { token: string } | { reason: string } {
  if (values.length === 0) return { reason: 'no authorization header' };
  if (values.length > 1) return { reason: 'more than one authorization header' };
  const value = values[0];
  if (typeof value !== 'string') return { reason: 'authorization header is binary' };
  const m = /^Bearer (\S+)$/.exec(value.trim());
  if (!m?.[1]) return { reason: 'authorization header is not "Bearer <token>"' };
  return { token: m[1] };
}

function extra(status: TokenReviewStatus, key: string): string | undefined {
  const values = status.user?.extra?.[key];
  return values && values.length === 1 && values[0] ? values[0] : undefined;
}

/** Checks a TokenReview answer as istiod must (reliability.md §5.5). */
export function callerFromTokenReview(
  status: TokenReviewStatus,
  audiences: readonly string[],
  trustDomain: string,
): AuthResult {
  if (status.error) return { ok: false, reason: `token review error: ${status.error}` };
  if (status.authenticated !== true) return { ok: false, reason: 'token is not authenticated' };
  // An empty audience list with authenticated=true means "valid for the API
  // server only"; the token must name one of ours.
  const granted = status.audiences ?? [];
  if (!granted.some((a) => audiences.includes(a))) {
    return {
      ok: false,
      reason: `token audiences [${granted.join(', ')}] include none of [${audiences.join(', ')}]`,
    };
  }
  const groups = status.user?.groups ?? [];
  if (!groups.includes(SERVICE_ACCOUNTS_GROUP)) {
    return { ok: false, reason: `caller is not in group ${SERVICE_ACCOUNTS_GROUP}` };
  }
  const parts = (status.user?.username ?? '').split(':');
  if (
    parts.length !== 4 ||
    parts[0] !== 'system' ||
    parts[1] !== 'serviceaccount' ||
    !parts[2] ||
    !parts[3]
  ) {
    return {
      ok: false,
      reason: `username ${JSON.stringify(status.user?.username ?? '')} is not system:serviceaccount:<ns>:<sa>`,
    };
  }
  const namespace = parts[2];
  const serviceAccount = parts[3];
  const podName = extra(status, POD_NAME_EXTRA);
  const podUid = extra(status, POD_UID_EXTRA);
  const nodeName = extra(status, NODE_NAME_EXTRA);
  return {
    ok: true,
    caller: {
      namespace,
      serviceAccount,
      ...(podName && { podName }),
      ...(podUid && { podUid }),
      ...(nodeName && { nodeName }),
      identity: `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`,
    },
  };
}

/** The API server's TokenReview, as istiod calls it (KubeApi.tokenReview). */
export type TokenReviewer = (
  token: string,
  audiences: readonly string[],
) => Promise<TokenReviewStatus>;

export interface BearerAuthOptions {
  readonly tokenReview: TokenReviewer;
  readonly audiences: readonly string[];
  readonly trustDomain: string;
}

/**
 * The one TokenReview authenticator of istiod, shared by the CA, xDS on
 * :15012 and the debug endpoints: `authorization` values → a caller, or why
 * not (a TokenReview that cannot be made fails closed).
 */
export async function authenticateBearer(
  values: readonly (string | Buffer)[],
  options: BearerAuthOptions,
): Promise<AuthResult> {
  const header = bearerToken(values);
  if ('reason' in header) return { ok: false, reason: header.reason };
  let review: TokenReviewStatus;
  try {
    review = await options.tokenReview(header.token, options.audiences);
  } catch (error) {
    return {
      ok: false,
      reason: `token review request failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  return callerFromTokenReview(review, options.audiences, options.trustDomain);
}
