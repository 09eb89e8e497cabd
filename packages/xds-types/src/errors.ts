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

/** A resource was stored under a type URL that does not match its Any. */
export class ResourceTypeMismatchError extends Error {
  override readonly name = 'ResourceTypeMismatchError';
  constructor(
    readonly typeUrl: string,
    readonly resourceName: string,
    readonly packedTypeUrl: string,
  ) {
    super(
      `resource ${resourceName} is packed as ${packedTypeUrl || '(empty type_url)'} but was stored under ${typeUrl}; ` +
        'pack it with the schema whose type URL it is served under',
    );
  }
}

/** The delta-ADS client was closed before it became ready. */
export class XdsClientClosedError extends Error {
  override readonly name = 'XdsClientClosedError';
  constructor() {
    super('the xDS client was closed before every subscribed type was ACKed once');
  }
}

/** A DeltaDiscoveryRequest broke the protocol; the stream is closed with INVALID_ARGUMENT. */
export class XdsProtocolError extends Error {
  override readonly name = 'XdsProtocolError';
}

/** A subscription change named a type URL the client was not built with. */
export class UnknownTypeUrlError extends Error {
  override readonly name = 'UnknownTypeUrlError';
  constructor(readonly typeUrl: string) {
    super(
      `${typeUrl} is not among this xDS client's subscriptions; add a TypeSubscription for it when constructing the client`,
    );
  }
}
