// Fuzz: istio.security.Authorization as ztunnel receives it over xDS. Any bytes
// either decode to a policy that re-encodes to the same policy, or are refused
// with a typed error (protobuf decode error → NACK, AuthorizationRejectedError
// → NACK and a fail-closed stand-in); nothing else may escape.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { security } from '@ambient-ts/xds-types';
import { fuzz, fuzzTimeoutMs, isProtobufDecodeError } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthorizationRejectedError } from './errors.js';
import { authorizationFromProto, failClosedStandIn, l4PolicyToProto } from './l4-proto.js';

const valid = toBinary(
  security.AuthorizationSchema,
  create(security.AuthorizationSchema, {
    name: 'p',
    namespace: 'ns',
    scope: security.Scope.NAMESPACE,
    action: security.Action.DENY,
    rules: [
      {
        clauses: [
          {
            matches: [
              {
                principals: [{ matchType: { case: 'exact', value: 'cluster.local/ns/a/sa/b' } }],
                sourceIps: [{ address: new Uint8Array([10, 0, 0, 0]), length: 8 }],
                destinationPorts: [80],
              },
            ],
          },
        ],
      },
    ],
  }),
);

/** Valid bytes with a few bytes overwritten, inserted or cut: reaches deeper than random bytes. */
const mutated = fc
  .array(
    fc.tuple(
      fc.nat(valid.length),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom('set', 'insert', 'cut'),
    ),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((edits) => {
    let bytes = [...valid];
    for (const [at, value, how] of edits) {
      if (how === 'set') bytes[at % bytes.length] = value;
      else if (how === 'insert') bytes.splice(at, 0, value);
      else bytes = bytes.slice(0, at);
    }
    return Uint8Array.from(bytes);
  });

function decodeOrRefuse(bytes: Uint8Array): void {
  let msg: security.Authorization;
  try {
    msg = fromBinary(security.AuthorizationSchema, bytes);
  } catch (err) {
    if (!isProtobufDecodeError(err)) throw err;
    return;
  }
  try {
    const policy = authorizationFromProto(msg);
    const again = authorizationFromProto(
      fromBinary(
        security.AuthorizationSchema,
        toBinary(security.AuthorizationSchema, l4PolicyToProto(policy)),
      ),
    );
    expect(again).toEqual(policy);
  } catch (err) {
    if (!(err instanceof AuthorizationRejectedError)) throw err;
    // The stand-in, when there is one, is never wider than nothing: deny-all or allow-nothing.
    const standIn = failClosedStandIn(err);
    if (standIn) {
      expect(standIn.rules).toEqual(standIn.action === 'DENY' ? [{ clauses: [] }] : []);
    }
  }
}

describe('Authorization from the wire (fuzz)', () => {
  it(
    'random bytes decode to a round-tripping policy or a typed refusal',
    () =>
      fuzz(
        'policy: Authorization bytes → L4Policy',
        fc.property(fc.uint8Array({ maxLength: 200 }), decodeOrRefuse),
      ),
    fuzzTimeoutMs(),
  );

  it(
    'mutated valid policies decode to a round-tripping policy or a typed refusal',
    () => fuzz('policy: mutated Authorization → L4Policy', fc.property(mutated, decodeOrRefuse)),
    fuzzTimeoutMs(),
  );
});
