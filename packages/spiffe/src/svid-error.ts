// One code per way an X.509-SVID (or its chain) can fail, so callers can log
// and count rejections by reason (reliability.md §6 row 1).

export type SvidErrorCode =
  | 'BAD_CERTIFICATE'
  | 'EMPTY_CHAIN'
  | 'NO_URI_SAN'
  | 'MULTIPLE_URI_SANS'
  | 'NUL_IN_SAN'
  | 'INVALID_SPIFFE_ID'
  | 'ROOT_PATH_ID'
  | 'SAN_NOT_CRITICAL'
  | 'LEAF_IS_CA'
  | 'MISSING_KEY_USAGE'
  | 'MISSING_DIGITAL_SIGNATURE'
  | 'LEAF_CAN_SIGN'
  | 'BAD_EXTENDED_KEY_USAGE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'BAD_SIGNATURE'
  | 'INTERMEDIATE_NOT_CA'
  | 'PATH_LENGTH_EXCEEDED'
  | 'CHAIN_TOO_LONG'
  | 'UNTRUSTED_ROOT'
  | 'WRONG_TRUST_DOMAIN'
  | 'IDENTITY_MISMATCH';

export class SvidError extends Error {
  override readonly name = 'SvidError';
  constructor(
    readonly code: SvidErrorCode,
    /** The message without the code suffix. */
    readonly detail: string,
  ) {
    super(`${detail} (${code})`);
  }
}
