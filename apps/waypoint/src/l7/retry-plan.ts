// RetryPolicy → RetryPlan with Envoy's retry_on semantics: an upstream reset
// (including a failed connect or a refused stream) is retried under `reset`,
// `5xx` and `gateway-error`; a per-try timeout only under `5xx` and
// `gateway-error`; the narrow tokens cover only their own failure.

import { WAYPOINT_RETRY_ON_TOKENS } from '@ambient-ts/xds-types';
import type { AttemptOutcome, RetryPlan } from './types.js';

export const DEFAULT_BACKOFF_BASE_MS = 25;

/** gRPC status codes named by the gRPC retry_on tokens. */
const GRPC_TOKENS: Readonly<Record<string, number>> = {
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
};

/** The proto's retry_on tokens; compileListener NACKs any other. */
export const RETRY_ON_TOKENS: ReadonlySet<string> = WAYPOINT_RETRY_ON_TOKENS;

export interface RetrySettings {
  readonly attempts: number;
  readonly retryOn: readonly string[];
  readonly retriableStatusCodes: readonly number[];
  readonly backoffBaseMs: number;
}

function retriesError(
  on: ReadonlySet<string>,
  error: Extract<AttemptOutcome, { error: unknown }>,
): boolean {
  if (on.has('5xx') || on.has('gateway-error')) return true;
  switch (error.error) {
    case 'timeout':
      return false;
    case 'reset':
      return on.has('reset');
    case 'connect-failure':
      return on.has('reset') || on.has('connect-failure');
    case 'refused-stream':
      return on.has('reset') || on.has('refused-stream');
  }
}

function retriesStatus(
  on: ReadonlySet<string>,
  codes: ReadonlySet<number>,
  status: number,
  grpcStatus: number | undefined,
): boolean {
  if (on.has('5xx') && status >= 500 && status <= 599) return true;
  if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has('retriable-4xx') && status === 409) return true;
  if (on.has('retriable-status-codes') && codes.has(status)) return true;
  if (grpcStatus === undefined) return false;
  return Object.entries(GRPC_TOKENS).some(([token, code]) => on.has(token) && grpcStatus === code);
}

/** Tokens must already be checked against RETRY_ON_TOKENS (compileListener does). */
export function retryPlan(s: RetrySettings): RetryPlan {
  const on = new Set(s.retryOn);
  const codes = new Set(s.retriableStatusCodes);
  const base = s.backoffBaseMs;
  // Envoy caps the backoff at ten times the base interval.
  const max = base * 10;
  return {
    attempts: s.attempts,
    shouldRetry(outcome: AttemptOutcome): boolean {
      return 'error' in outcome
        ? retriesError(on, outcome)
        : retriesStatus(on, codes, outcome.status, outcome.grpcStatus);
    },
    backoffMs(retryNumber: number, random: () => number): number {
      // Fully jittered: uniform in [0, (2^n − 1) · base), capped.
      const n = Math.max(1, Math.min(Math.floor(retryNumber), 30));
      const upper = Math.min((2 ** n - 1) * base, max);
      return Math.floor(random() * upper);
    },
  };
}
