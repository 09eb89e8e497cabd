// Errors from loading a CA and from signing. Codes are stable for callers
// (istiod maps them to gRPC statuses); messages say what to check.

export type CaErrorCode =
  | 'MISSING_FILE'
  | 'BAD_PEM'
  | 'UNREADABLE_KEY'
  | 'UNSUPPORTED_KEY'
  | 'KEY_MISMATCH'
  | 'NOT_A_CA'
  | 'CHAIN_BROKEN'
  | 'BAD_OPTIONS'
  | 'BAD_IDENTITY'
  | 'TTL_TOO_LONG'
  | 'BAD_CSR'
  | 'CSR_SIGNATURE'
  | 'UNSUPPORTED_CSR_KEY';

export class CaError extends Error {
  override readonly name = 'CaError';
  constructor(
    readonly code: CaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
