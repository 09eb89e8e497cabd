// Fuzz: what a peer on the ZDS socket can send the node agent — ztunnel's hello
// and its acks. Any bytes decode, or are refused with ZdsProtocolError (the
// agent then drops that connection); nothing else escapes to crash the agent.
import { create, toBinary } from '@bufbuild/protobuf';
import { zds } from '@ambient-ts/xds-types';
import { fuzz, fuzzTimeoutMs } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZdsProtocolError } from '../errors.js';
import { decodeAck, decodeHello } from './zds-messages.js';

const mutate = (valid: Uint8Array) =>
  fc.oneof(
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, b]) => {
      const c = new Uint8Array([...valid, 0]);
      c[at % c.length] = b;
      return c;
    }),
    fc.uint8Array({ maxLength: 48 }),
  );
const hello = toBinary(zds.ZdsHelloSchema, create(zds.ZdsHelloSchema, { version: zds.Version.V1 }));
const ack = toBinary(
  zds.WorkloadResponseSchema,
  create(zds.WorkloadResponseSchema, { payload: { case: 'ack', value: { error: 'x' } } }),
);

function decodesOrRefuses(decode: (b: Uint8Array) => unknown) {
  return (bytes: Uint8Array) => {
    try {
      decode(bytes);
    } catch (err) {
      expect(err).toBeInstanceOf(ZdsProtocolError);
    }
  };
}

describe('ZDS messages at the node agent (fuzz)', () => {
  it(
    'any hello bytes are accepted as V1 or refused with ZdsProtocolError',
    () => fuzz('cni-agent: ZDS hello', fc.property(mutate(hello), decodesOrRefuses(decodeHello))),
    fuzzTimeoutMs(),
  );
  it(
    'any ack bytes give the ack text or are refused with ZdsProtocolError',
    () =>
      fuzz(
        'cni-agent: ZDS WorkloadResponse',
        fc.property(mutate(ack), decodesOrRefuses(decodeAck)),
      ),
    fuzzTimeoutMs(),
  );
});
