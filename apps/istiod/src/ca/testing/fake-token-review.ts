// A TokenReview stand-in for tests: a table of tokens and whom the API
// server would say each belongs to. A token not in the table, or reviewed
// for an audience it was not issued for, is answered as the API server
// answers an invalid token (authenticated false / no shared audience).

import type { TokenReviewStatus } from '../../kube/kube-api.js';
import { NODE_NAME_EXTRA, POD_NAME_EXTRA, POD_UID_EXTRA } from '../authenticate.js';

export interface FakeToken {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** A pod-bound (projected) token carries these as TokenReview extras. */
  readonly podName?: string;
  readonly podUid?: string;
  readonly nodeName?: string;
  /** Default ['istio-ca']. */
  readonly audiences?: readonly string[];
}

export function fakeTokenReviewer(
  tokens: Readonly<Record<string, FakeToken>>,
): (token: string, audiences: readonly string[]) => TokenReviewStatus {
  return (token, audiences) => {
    const t = Object.hasOwn(tokens, token) ? tokens[token] : undefined;
    if (t === undefined) return { authenticated: false, error: 'invalid bearer token' };
    const granted = (t.audiences ?? ['istio-ca']).filter((a) => audiences.includes(a));
    if (granted.length === 0) {
      return { authenticated: false, error: 'token audiences are invalid' };
    }
    const extra: Record<string, string[]> = {};
    if (t.podName !== undefined) extra[POD_NAME_EXTRA] = [t.podName];
    if (t.podUid !== undefined) extra[POD_UID_EXTRA] = [t.podUid];
    if (t.nodeName !== undefined) extra[NODE_NAME_EXTRA] = [t.nodeName];
    return {
      authenticated: true,
      audiences: granted,
      user: {
        username: `system:serviceaccount:${t.namespace}:${t.serviceAccount}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${t.namespace}`],
        extra,
      },
    };
  };
}
