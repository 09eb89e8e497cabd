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

/** A resource of a response the consumer did not apply; named in the NACK. */
export interface RejectedResource {
  readonly name: string;
  /** The NACK text for it (should name the resource). */
  readonly reason: string;
}

/**
 * What `apply` may report: the resources it rejected while applying the rest
 * of the response (upstream ztunnel applies the valid part too). The consumer
 * holds something of its own under each rejected name (a fail-closed
 * stand-in), so the client records every version of the response as held and
 * NACKs with the reasons; a reconnect's initial_resource_versions then lets
 * the server tell it when a rejected key changes or is removed.
 */
export interface ApplyOutcome {
  readonly rejected: readonly RejectedResource[];
}

/**
 * Nothing (everything applied) or the resources left out. `void` so that an
 * apply function returning nothing still fits.
 */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export type ApplyResult = ApplyOutcome | undefined | void;

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
   * state, and the client keeps its previous resource versions. Returning an
   * ApplyOutcome with rejected resources means "applied, those in a stand-in
   * form": the client records the response's versions and NACKs naming them.
   */
  apply(update: ResourceUpdate<T>): ApplyResult | Promise<ApplyResult>;
}

export interface TypeSubscriptionOptions<T> {
  /** Default: `type.googleapis.com/<schema type name>`. */
  readonly typeUrl?: string;
  /** Default: true when `names` is empty or absent, else false. */
  readonly wildcard?: boolean;
  readonly names?: readonly string[];
  readonly apply: (update: ResourceUpdate<T>) => ApplyResult | Promise<ApplyResult>;
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
