// The seeds' L4 AuthorizationPolicy (seeds/003, "Enforce Authorization
// Policies"): ALLOW calls to productpage only from the principal
// cluster.local/ns/<ns>/sa/bookinfo-gateway-istio. Kept verbatim; only the
// namespace (and with it the principal's namespace) is moved to where the
// scenario runs. Pure.

export const PRODUCTPAGE_VIEWER_SEED = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: productpage-viewer
  namespace: default
spec:
  selector:
    matchLabels:
      app: productpage
  action: ALLOW
  rules:
  - from:
    - source:
        principals:
        - cluster.local/ns/default/sa/bookinfo-gateway-istio
`;

export const PRODUCTPAGE_VIEWER_NAME = 'productpage-viewer';
/** The service account the policy's one principal names. */
export const ALLOWED_SERVICE_ACCOUNT = 'bookinfo-gateway-istio';

export function productpageViewerPolicy(namespace: string): string {
  return PRODUCTPAGE_VIEWER_SEED.replace(
    '  namespace: default\n',
    `  namespace: ${namespace}\n`,
  ).replace('cluster.local/ns/default/sa/', `cluster.local/ns/${namespace}/sa/`);
}
