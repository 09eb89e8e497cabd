// Typed errors. Each message says what was expected and what to check, so a
// log line alone is enough to act on.

export type HboneErrorCode =
  | 'CONFIG'
  | 'BAD_AUTHORITY'
  | 'IDENTITY_MISMATCH'
  | 'PEER_IDENTITY'
  | 'CONNECT_STATUS'
  | 'CONNECT_TIMEOUT'
  | 'DIAL_FAILED'
  | 'HANDSHAKE_FAILED'
  | 'CONNECTION_LOST'
  | 'STREAM_RESET'
  | 'POOL_CLOSED'
  | 'ABORTED';

export abstract class HboneError extends Error {
  abstract readonly code: HboneErrorCode;
}

/** An option or setting is out of range or inconsistent. */
export class HboneConfigError extends HboneError {
  override readonly name = 'HboneConfigError';
  readonly code = 'CONFIG';
}

/** A CONNECT authority is not a strict `ip:port` / `[ipv6]:port`. */
export class AuthorityError extends HboneError {
  override readonly name = 'AuthorityError';
  readonly code = 'BAD_AUTHORITY';
  constructor(
    readonly authority: string,
    readonly reason: string,
  ) {
    super(
      `HBONE authority ${JSON.stringify(authority.slice(0, 100))} is invalid: ${reason}; ` +
        'expected "ip:port" or "[ipv6]:port" with a port in 1..65535',
    );
  }
}

/** The destination's certificate carries none of the identities the caller expected. */
export class IdentityMismatchError extends HboneError {
  override readonly name = 'IdentityMismatchError';
  readonly code = 'IDENTITY_MISMATCH';
  constructor(
    readonly destination: string,
    readonly expected: readonly string[],
    readonly presented: readonly string[],
  ) {
    super(
      `HBONE destination ${destination} presented ${presented.length ? presented.join(', ') : 'no SPIFFE identity'}, ` +
        `expected one of ${expected.join(', ')}; check the destination workload's service account ` +
        'and the Service subject_alt_names',
    );
  }
}

/** The peer's certificate failed the SPIFFE SVID checks (wrong trust domain, malformed ID, …). */
export class PeerIdentityError extends HboneError {
  override readonly name = 'PeerIdentityError';
  readonly code = 'PEER_IDENTITY';
  constructor(
    readonly peer: string,
    readonly svidCode: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`HBONE peer ${peer} failed the SPIFFE identity check (${svidCode}): ${detail}`, options);
  }
}

/** The server answered the CONNECT with a status other than 200. */
export class ConnectStatusError extends HboneError {
  override readonly name = 'ConnectStatusError';
  readonly code = 'CONNECT_STATUS';
  constructor(
    readonly status: number,
    readonly target: string,
    readonly headers: Readonly<Record<string, string | string[] | undefined>>,
  ) {
    super(`HBONE CONNECT ${target} was answered ${status}: ${statusHint(status)}`);
  }
}

function statusHint(status: number): string {
  switch (status) {
    case 400:
      return 'the server found the request malformed or the target is not one of its workloads';
    case 401:
      return 'denied by the destination’s authorization policy';
    case 503:
      return 'the destination could not reach the target port (is the app listening?)';
    default:
      return 'unexpected status';
  }
}

export class ConnectTimeoutError extends HboneError {
  override readonly name = 'ConnectTimeoutError';
  readonly code = 'CONNECT_TIMEOUT';
  constructor(
    readonly destination: string,
    readonly timeoutMs: number,
  ) {
    super(
      `HBONE connection to ${destination} timed out after ${timeoutMs} ms, ` +
        'maybe a NetworkPolicy is blocking HBONE port 15008',
    );
  }
}

export class DialError extends HboneError {
  override readonly name = 'DialError';
  readonly code = 'DIAL_FAILED';
  constructor(
    readonly destination: string,
    options: { cause: unknown },
  ) {
    super(`HBONE TCP connect to ${destination} failed: ${messageOf(options.cause)}`, options);
  }
}

/** TLS or HTTP/2 setup failed after TCP was up (bad chain, no client cert accepted, no h2). */
export class HandshakeError extends HboneError {
  override readonly name = 'HandshakeError';
  readonly code = 'HANDSHAKE_FAILED';
  constructor(
    readonly destination: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`HBONE handshake with ${destination} failed: ${detail}`, options);
  }
}

/** The HTTP/2 connection went away under an open or opening stream. */
export class ConnectionLostError extends HboneError {
  override readonly name = 'ConnectionLostError';
  readonly code = 'CONNECTION_LOST';
  constructor(
    readonly destination: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`HBONE connection to ${destination} was lost: ${detail}`, options);
  }
}

/** The peer reset the tunnel's stream with an error code (not NO_ERROR or CANCEL). */
export class StreamResetError extends HboneError {
  override readonly name = 'StreamResetError';
  readonly code = 'STREAM_RESET';
  constructor(readonly rstCode: number) {
    super(
      `HBONE stream was reset by the peer with HTTP/2 error code ${rstCode} (${h2ErrorName(rstCode)})`,
    );
  }
}

export class PoolClosedError extends HboneError {
  override readonly name = 'PoolClosedError';
  readonly code = 'POOL_CLOSED';
  constructor() {
    super('the HBONE pool is closed; no new tunnels can be opened');
  }
}

export class AbortedError extends HboneError {
  override readonly name = 'AbortedError';
  readonly code = 'ABORTED';
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} was aborted by its AbortSignal`, options);
  }
}

const H2_ERRORS = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

export function h2ErrorName(code: number): string {
  return H2_ERRORS[code] ?? 'UNKNOWN';
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
