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
  override readonly name: string = 'XdsProtocolError';
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

/** A DeltaDiscoveryRequest named a type URL this server does not serve; closed with INVALID_ARGUMENT. */
export class XdsUnknownTypeError extends XdsProtocolError {
  override readonly name = 'XdsUnknownTypeError';
  constructor(
    readonly typeUrl: string,
    served: readonly string[],
  ) {
    super(
      `type_url ${JSON.stringify(typeUrl.slice(0, 200))} is not served here; this server serves ${served.join(', ')}`,
    );
  }
}

/** Which bound of XdsServerLimits a client hit. */
export type XdsLimitName =
  'maxStreams' | 'maxStreamsPerPeer' | 'maxNamesPerSubscription' | 'maxResourceNameBytes';

/** A client went past one of the server's limits; the stream is refused or closed with RESOURCE_EXHAUSTED. */
export class XdsLimitExceededError extends Error {
  override readonly name = 'XdsLimitExceededError';
  constructor(
    readonly limit: XdsLimitName,
    readonly value: number,
    detail: string,
  ) {
    super(`xDS limit ${limit} (${value}) exceeded: ${detail}`);
  }
}

/** An xDS server option is out of range. */
export class XdsConfigError extends Error {
  override readonly name = 'XdsConfigError';
}
