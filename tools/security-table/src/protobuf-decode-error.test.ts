import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { StructSchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { isProtobufDecodeError } from './protobuf-decode-error.js';

function decodeError(bytes: Uint8Array): unknown {
  try {
    fromBinary(StructSchema, bytes);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('protobuf decode errors', () => {
  it('counts a double cut short (fuzz counterexample: CA request metadata) as a decode error', () => {
    const bytes = toBinary(
      StructSchema,
      create(StructSchema, { fields: { n: { kind: { case: 'numberValue', value: 0.5 } } } }),
    );
    // Keep the length prefixes, lose the last bytes of the double: the reader runs past the end.
    const err = decodeError(bytes.slice(0, bytes.length - 3));
    expect(err).toBeInstanceOf(Error);
    expect(isProtobufDecodeError(err)).toBe(true);
  });

  it('does not count an unrelated TypeError', () => {
    expect(isProtobufDecodeError(new TypeError('x is undefined'))).toBe(false);
  });
});
