// Public API of @ambient-ts/hbone. Everything else in src/ is internal.
export { createHboneServer } from './server.js';
export type {
  AuthorizeDecision,
  AuthorizeHook,
  DialHook,
  HboneServer,
  HboneServerOptions,
  InboundRequest,
  InboundTunnelRecord,
  InboundTunnelView,
  ListenTarget,
} from './server.js';
export { HbonePool } from './pool.js';
export type { ConnectRequest, HbonePoolOptions, HboneSource } from './pool.js';
export { HboneTunnel } from './tunnel.js';
export type { TunnelInfo, TunnelStats } from './tunnel.js';
export { netDialer, type TcpDialer } from './client-connection.js';
export { relay, type Relay, type RelayStats } from './relay.js';
export { DEFAULT_HBONE_SETTINGS, resolveSettings, type HboneSettings } from './settings.js';
export { formatAuthority, parseAuthority, parseIpAddress } from './authority.js';
export type { HboneTarget, IpAddress, Port } from './authority.js';
export {
  connectRequestHeaders,
  formatBaggage,
  formatForwarded,
  newTraceparent,
} from './request-headers.js';
export type { BaggageFields, ConnectHeaderInput, RandomSource } from './request-headers.js';
export { HBONE_ALPN, HBONE_CIPHERS } from './tls-profile.js';
export type { HboneIdentity, TrustRoots } from './tls-profile.js';
export { systemTimers, type TimerHandle, type Timers } from './timers.js';
export type { HboneLogger } from './logger.js';
export {
  AbortedError,
  AuthorityError,
  ConnectionLostError,
  ConnectStatusError,
  ConnectTimeoutError,
  DialError,
  HandshakeError,
  HboneConfigError,
  HboneError,
  IdentityMismatchError,
  PeerIdentityError,
  PoolClosedError,
  StreamResetError,
  type HboneErrorCode,
} from './errors.js';
