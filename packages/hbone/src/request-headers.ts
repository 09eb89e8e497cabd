// The headers an HBONE client puts on its CONNECT, as upstream ztunnel
// writes them: `baggage` (source workload facts), `forwarded` (the original
// client address, plus the intended service host when service-addressed) and
// a random W3C `traceparent`.

import { randomBytes } from 'node:crypto';
import { HboneConfigError } from './errors.js';

/** Source-workload facts for `baggage`; empty or missing values are left out. */
export interface BaggageFields {
  readonly clusterId?: string;
  readonly namespace?: string;
  /** deployment, cronjob, pod or job — becomes `k8s.<workloadType>.name`. */
  readonly workloadType?: 'deployment' | 'cronjob' | 'pod' | 'job';
  readonly workloadName?: string;
  readonly canonicalName?: string;
  readonly canonicalRevision?: string;
  readonly region?: string;
  readonly zone?: string;
}

/** Keys in upstream's order. */
export function formatBaggage(b: BaggageFields): string {
  const parts: string[] = [];
  const add = (key: string, value: string | undefined): void => {
    if (value) parts.push(`${key}=${value}`);
  };
  add('k8s.cluster.name', b.clusterId);
  add('k8s.namespace.name', b.namespace);
  if (b.workloadType) add(`k8s.${b.workloadType}.name`, b.workloadName);
  add('service.name', b.canonicalName);
  add('service.version', b.canonicalRevision);
  add('cloud.region', b.region);
  add('cloud.availability_zone', b.zone);
  return parts.join(',');
}

/** `for="ip:port"`, plus `;host=<hostname>` when the traffic was addressed to a service. */
export function formatForwarded(clientAddress: string, serviceHost?: string): string {
  const forPart = `for="${clientAddress}"`;
  return serviceHost ? `${forPart};host=${serviceHost}` : forPart;
}

/** Random bytes source, injectable so tests can pin the output. */
export type RandomSource = (size: number) => Buffer;

/** `00-<32 hex trace id>-<16 hex span id>-00`, random as upstream (not sampled). */
export function newTraceparent(random: RandomSource = randomBytes): string {
  const bytes = random(24);
  return `00-${bytes.subarray(0, 16).toString('hex')}-${bytes.subarray(16, 24).toString('hex')}-00`;
}

export interface ConnectHeaderInput {
  /** The source workload facts; `baggage` is omitted when nothing is known. */
  readonly baggage?: BaggageFields;
  /** The original client `ip:port` (the app's socket peer), for `forwarded`. */
  readonly forwardedFor?: string;
  /** The service hostname the client addressed, if any. */
  readonly serviceHost?: string;
  /** A caller-chosen traceparent; a random one otherwise. */
  readonly traceparent?: string;
  /** Further headers, e.g. `x-forwarded-network` on a double-HBONE inner CONNECT. */
  readonly extra?: Readonly<Record<string, string>>;
}

export function connectRequestHeaders(
  authority: string,
  input: ConnectHeaderInput,
  random?: RandomSource,
): Record<string, string> {
  const headers: Record<string, string> = { ':method': 'CONNECT', ':authority': authority };
  if (input.extra) {
    for (const [name, value] of Object.entries(input.extra)) {
      if (name.startsWith(':')) {
        throw new HboneConfigError(`extra header ${name}: pseudo-headers are set by hbone itself`);
      }
      headers[name.toLowerCase()] = value;
    }
  }
  const baggage = input.baggage ? formatBaggage(input.baggage) : '';
  if (baggage) headers.baggage = baggage;
  if (input.forwardedFor)
    headers.forwarded = formatForwarded(input.forwardedFor, input.serviceHost);
  headers.traceparent = input.traceparent ?? newTraceparent(random);
  return headers;
}
