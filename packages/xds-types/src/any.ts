import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { anyPack, anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { AnyTypeMismatchError } from './errors.js';
import { typeUrlFor } from './type-urls.js';

/** Wrap a message in google.protobuf.Any with a `type.googleapis.com/` type URL. */
export function packAny<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Any {
  return anyPack(schema, message);
}

/**
 * Decode the message inside an Any. Throws AnyTypeMismatchError when the Any holds
 * a different type, so a resource of the wrong type is rejected (NACKed), never
 * silently misread.
 */
export function unpackAny<Desc extends DescMessage>(any: Any, schema: Desc): MessageShape<Desc> {
  const message = anyUnpack(any, schema);
  if (message === undefined) {
    throw new AnyTypeMismatchError(typeUrlFor(schema.typeName), any.typeUrl);
  }
  return message;
}
