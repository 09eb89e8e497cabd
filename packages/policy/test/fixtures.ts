// Builders for tests: plain Kubernetes objects as a client would hand them over.
// (Test-only; outside src/ so the build never sees it.)

import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { security } from '@ambient-ts/xds-types';
import { parse } from 'yaml';
import type { L4Policy } from '../src/l4-model.js';
import { authorizationFromProto } from '../src/l4-proto.js';
import { parseAuthorizationPolicy } from '../src/parse-authorization-policy.js';
import { translateForZtunnel, type ZtunnelTranslationOptions } from '../src/ztunnel-translation.js';

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

/**
 * What ztunnel holds after istiod parsed and translated the YAML policies and
 * sent them over the wire: encoded, decoded and validated.
 */
export function ztunnelPolicies(yaml: string, options?: ZtunnelTranslationOptions): L4Policy[] {
  return yamlObjects(yaml).flatMap((obj) => {
    const { authorization } = translateForZtunnel(parseAuthorizationPolicy(obj), options);
    if (!authorization) return [];
    const bytes = toBinary(security.AuthorizationSchema, authorization);
    return [authorizationFromProto(fromBinary(security.AuthorizationSchema, bytes))];
  });
}
