// The credential istioctl shows istiod's /debug/ endpoints. Upstream istioctl
// requests, through the TokenRequest API, a token of the `default` service
// account of the Istio namespace with audience istio-ca (one hour) and sends
// it to istiod as a bearer token (istioctl/pkg/xds, multixds). istiod accepts
// it when TokenReview does and the account is in istiod's namespace.
//
// istioctl reaches istiod through the API server's pod proxy, which drops the
// Authorization header of every request it authenticated; the token therefore
// travels in X-Istio-Debug-Authorization, which istiod reads as well.

import type { KubeClient } from './kube-client.js';

export const DEBUG_AUTHORIZATION_HEADER = 'X-Istio-Debug-Authorization';
/** upstream istioctl's tokenServiceAccount, tokenAudiences and defaultExpirationSeconds. */
export const DEBUG_TOKEN_SERVICE_ACCOUNT = 'default';
export const DEBUG_TOKEN_AUDIENCES = ['istio-ca'] as const;
export const DEBUG_TOKEN_EXPIRATION_SECONDS = 60 * 60;

/** Headers for a GET of istiod's /debug/ through the pod proxy. */
export async function istiodDebugHeaders(
  kube: KubeClient,
  istioNamespace: string,
): Promise<Record<string, string>> {
  let token: string;
  try {
    token = await kube.createToken(istioNamespace, DEBUG_TOKEN_SERVICE_ACCOUNT, {
      audiences: DEBUG_TOKEN_AUDIENCES,
      expirationSeconds: DEBUG_TOKEN_EXPIRATION_SECONDS,
    });
  } catch (error) {
    // upstream's text (istioctl/pkg/xds DialOptions).
    throw new Error(
      `failed to create RPC credentials for "${DEBUG_TOKEN_SERVICE_ACCOUNT}.${istioNamespace}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { [DEBUG_AUTHORIZATION_HEADER]: `Bearer ${token}` };
}
