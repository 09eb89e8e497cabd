// What enrollment reads from a Pod (a V1Pod fits), and the pure decisions on it.
import type { InpodRuleOptions } from '@ambient-ts/inpod-redirection';
import { asPodUid, podKey, type PodKey, type PodUid } from '../brands.js';
import type { PodFacts } from '../enablement.js';
import type { WorkloadIdentity } from '../zds/zds-messages.js';

export interface PodView extends PodFacts {
  readonly metadata?: PodFacts['metadata'] & {
    readonly uid?: string;
    readonly deletionTimestamp?: Date | string;
  };
  readonly spec?: PodFacts['spec'] & {
    readonly nodeName?: string;
    readonly serviceAccountName?: string;
  };
  readonly status?: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly podIPs?: readonly { readonly ip?: string }[];
  };
}

export const DNS_CAPTURE_ANNOTATION = 'ambient.istio.io/dns-capture';
export const BYPASS_INBOUND_ANNOTATION = 'ambient.istio.io/bypass-inbound-capture';
export const REROUTE_INTERFACES_ANNOTATION = 'istio.io/reroute-virtual-interfaces';

export function uidOf(pod: PodView): PodUid | undefined {
  const uid = pod.metadata?.uid;
  return uid ? asPodUid(uid) : undefined;
}

export function keyOf(pod: PodView): PodKey {
  return podKey(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
}

export function identityOf(pod: PodView): WorkloadIdentity {
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    serviceAccount: pod.spec?.serviceAccountName || 'default',
  };
}

export function podIps(pod: PodView): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

/** Succeeded/Failed pods have no running containers left to capture (a finished Job). */
export function isTerminal(pod: PodView): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Per-pod variants of the in-pod rules, from its annotations over the node-wide defaults. */
export function ruleOptionsFor(pod: PodView, defaults: { dnsCapture: boolean }): InpodRuleOptions {
  const a = pod.metadata?.annotations ?? {};
  const dns = a[DNS_CAPTURE_ANNOTATION];
  const reroute = (a[REROUTE_INTERFACES_ANNOTATION] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return {
    dnsCapture: dns === undefined ? defaults.dnsCapture : dns === 'true',
    bypassInboundCapture: a[BYPASS_INBOUND_ANNOTATION] === 'true',
    ...(reroute.length > 0 ? { rerouteVirtualInterfaces: reroute } : {}),
  };
}
