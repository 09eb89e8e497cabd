// What the waypoint's I/O layer hands to the L7 logic and what it gets back:
// plain values, so deciding a request never touches a socket.

import type { waypoint } from '@ambient-ts/xds-types';

export interface PeerView {
  /** `spiffe://td/ns/x/sa/y` from the HBONE client certificate; absent without one. */
  readonly identity?: string;
  /** The original client IP carried in HBONE. */
  readonly ip: string;
}

export interface HttpRequestView {
  readonly method: string;
  /** Request target as received, with `?query`. */
  readonly path: string;
  /** Host / :authority as sent. */
  readonly authority: string;
  /** Lower-case names, no pseudo-headers. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly peer: PeerView;
  /** The VIP:port from the CONNECT authority. */
  readonly destination: { readonly ip: string; readonly port: number };
  /** The request's scheme, for redirects and `:scheme` matches; default `http`. */
  readonly scheme?: 'http' | 'https';
}

export type OutgoingHeaders = Record<string, string | string[]>;

export type AttemptOutcome =
  | { readonly status: number; readonly grpcStatus?: number }
  | { readonly error: 'reset' | 'connect-failure' | 'refused-stream' | 'timeout' };

export interface RetryPlan {
  /** Retries after the first attempt. */
  readonly attempts: number;
  shouldRetry(outcome: AttemptOutcome): boolean;
  /** Exponential, jittered; `retryNumber` counts from 1; `random()` in [0, 1). */
  backoffMs(retryNumber: number, random: () => number): number;
}

export type RespondReason =
  | 'direct-response'
  | 'redirect'
  | 'no-route'
  | 'no-backend'
  | 'fault-abort'
  /** The request cannot be read safely (e.g. %00 in the path); upstream answers 400. */
  | 'bad-request';

/** What dry-run policies would have decided; never enforced, only logged. */
export interface DryRunResult {
  readonly allowed: boolean;
  readonly policy?: string;
}

export type RequestPlan =
  | {
      readonly kind: 'deny';
      readonly status: 403;
      readonly body: 'RBAC: access denied';
      /** `namespace/name` of the policy that denied, when one did. */
      readonly policy?: string;
      /** AUDIT policies that matched (log-only). */
      readonly audited: readonly string[];
      readonly dryRun?: DryRunResult;
    }
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly headers: OutgoingHeaders;
      readonly body: string;
      readonly route?: string;
      readonly reason: RespondReason;
      /** A fault delay to wait before answering (a delayed abort, or a delayed redirect/direct response). */
      readonly delayMs?: number;
    }
  | {
      readonly kind: 'forward';
      readonly route?: string;
      /** Service port to send to (subset included). */
      readonly backend: waypoint.Backend;
      /** After rewrite. */
      readonly method: string;
      readonly path: string;
      readonly authority: string;
      /** Request headers after the route's, then the backend's modifiers. */
      readonly headers: OutgoingHeaders;
      /** Backend's then route's; apply in order with applyResponseModifiers. */
      readonly responseModifiers: readonly waypoint.HeaderModifier[];
      readonly requestTimeoutMs?: number;
      readonly perTryTimeoutMs?: number;
      readonly retry?: RetryPlan;
      /** Fault delay decided for this request. */
      readonly delayMs?: number;
      /** Mirrors chosen for this request (percentage applied). */
      readonly mirrors: readonly waypoint.Backend[];
      readonly audited: readonly string[];
      readonly dryRun?: DryRunResult;
    };

export type ConnectionPlan =
  | {
      readonly kind: 'deny';
      readonly policy?: string;
      readonly audited?: readonly string[];
      readonly dryRun?: DryRunResult;
    }
  | {
      readonly kind: 'forward';
      readonly backend: waypoint.Backend;
      readonly route?: string;
      readonly audited?: readonly string[];
      readonly dryRun?: DryRunResult;
    }
  | { readonly kind: 'no-backend'; readonly route?: string };
