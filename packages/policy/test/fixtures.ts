// Builders for tests: plain Kubernetes objects as a client would hand them over.
// (Test-only; outside src/ so the build never sees it.)

import { parse } from 'yaml';

export function authorizationPolicy(
  spec: unknown,
  meta: { name?: string; namespace?: string; annotations?: Record<string, string> } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: {
      name: meta.name ?? 'policy',
      namespace: meta.namespace ?? 'ns',
      ...(meta.annotations && { annotations: meta.annotations }),
    },
    ...(spec !== undefined && { spec }),
  };
}

export function peerAuthentication(
  spec: unknown,
  meta: { name?: string; namespace?: string; creationTimestamp?: string } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: {
      name: meta.name ?? 'pa',
      namespace: meta.namespace ?? 'ns',
      ...(meta.creationTimestamp && { creationTimestamp: meta.creationTimestamp }),
    },
    ...(spec !== undefined && { spec }),
  };
}

/** YAML text (one or more documents) to plain objects. */
export function yamlObjects(text: string): unknown[] {
  return text
    .split(/^---$/m)
    .map((doc) => doc.trim())
    .filter((doc) => doc !== '')
    .map((doc) => parse(doc) as unknown);
}
