/** An Any did not hold the message type the caller expected. */
export class AnyTypeMismatchError extends Error {
  override readonly name = 'AnyTypeMismatchError';
  constructor(
    readonly expectedTypeUrl: string,
    readonly actualTypeUrl: string,
  ) {
    super(
      `google.protobuf.Any holds ${actualTypeUrl || '(empty type_url)'} but ${expectedTypeUrl} was expected; ` +
        'check that the server and client agree on the resource type for this type URL',
    );
  }
}
