// The waypoint's L7 decision logic: pure functions from a validated listener
// and a request (or connection) view to a plan the I/O layer executes.

export { ListenerRejectedError } from './errors.js';
export {
  compileListener,
  failClosedListener,
  IMPLEMENTED_FEATURES,
  REJECTED_LISTENER_POLICY,
  type CompiledListener,
} from './compile-listener.js';
export { DENY_BODY, FAULT_ABORT_BODY, planRequest } from './plan-request.js';
export { planConnection, type ConnectionView } from './plan-connection.js';
export { applyResponseModifiers } from './header-modifiers.js';
export { DEFAULT_BACKOFF_BASE_MS, RETRY_ON_TOKENS } from './retry-plan.js';
export type {
  AttemptOutcome,
  ConnectionPlan,
  DryRunResult,
  HttpRequestView,
  OutgoingHeaders,
  PeerView,
  RequestPlan,
  RespondReason,
  RetryPlan,
} from './types.js';
