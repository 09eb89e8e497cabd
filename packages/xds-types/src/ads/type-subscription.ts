import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { unpackAny } from '../any.js';
import { typeUrlFor } from '../type-urls.js';

/** One resource of a response, decoded. */
export interface DecodedResource<T> {
  readonly name: string;
  readonly version: string;
  readonly aliases: readonly string[];
  readonly message: T;
}

/** One DeltaDiscoveryResponse as the consumer applies it: all of it, or none. */
export interface ResourceUpdate<T> {
  readonly typeUrl: string;
  readonly nonce: string;
  /** Resources added or changed. */
  readonly added: readonly DecodedResource<T>[];
  /**
   * removed_resources as the server sent them: deleted resources, resources
   * no longer visible to this client, and subscribed names that do not exist.
   */
  readonly removed: readonly string[];
}

/**
 * What a client subscribes to for one type URL and how it applies updates.
 * Method syntax on purpose: a TypeSubscription<Workload> is usable where a
 * TypeSubscription<unknown> is expected.
 */
export interface TypeSubscription<T = unknown> {
  readonly typeUrl: string;
  /** Subscribe to every resource of the type. */
  readonly wildcard: boolean;
  /** Named resources (in addition to the wildcard, if set). */
  readonly names: readonly string[];
  /** Decodes one resource; throwing rejects the whole response (NACK). */
  decode(resource: Any): T;
  /**
   * Applies one response atomically. Throwing (or rejecting) NACKs it with the
   * error message as error_detail; the consumer must then keep its previous
   * state, and the client keeps its previous resource versions.
   */
  apply(update: ResourceUpdate<T>): void | Promise<void>;
}

export interface TypeSubscriptionOptions<T> {
  /** Default: `type.googleapis.com/<schema type name>`. */
  readonly typeUrl?: string;
  /** Default: true when `names` is empty or absent, else false. */
  readonly wildcard?: boolean;
  readonly names?: readonly string[];
  readonly apply: (update: ResourceUpdate<T>) => void | Promise<void>;
}

/** A subscription whose resources are decoded with a generated schema. */
export function typeSubscription<Desc extends DescMessage>(
  schema: Desc,
  options: TypeSubscriptionOptions<MessageShape<Desc>>,
): TypeSubscription<MessageShape<Desc>> {
  const names = [...(options.names ?? [])];
  return {
    typeUrl: options.typeUrl ?? typeUrlFor(schema.typeName),
    wildcard: options.wildcard ?? names.length === 0,
    names,
    decode: (resource) => unpackAny(resource, schema),
    apply: options.apply,
  };
}
