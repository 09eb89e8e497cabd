import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { packAny, unpackAny } from './any.js';
import { AnyTypeMismatchError } from './errors.js';
import { AuthorizationSchema } from './gen/istio/security/authorization_pb.js';
import { AddressSchema } from './gen/istio/workload/workload_pb.js';
import { AUTHORIZATION_TYPE_URL } from './type-urls.js';

describe('Any helpers', () => {
  it('pack with the type.googleapis.com type URL and unpack the same message', () => {
    const policy = create(AuthorizationSchema, { name: 'p', namespace: 'ns' });
    const any = packAny(AuthorizationSchema, policy);
    expect(any.typeUrl).toBe(AUTHORIZATION_TYPE_URL);
    expect(unpackAny(any, AuthorizationSchema)).toEqual(policy);
  });

  it('refuse to unpack an Any holding another type, naming both', () => {
    const any = packAny(AuthorizationSchema, create(AuthorizationSchema, { name: 'p' }));
    expect(() => unpackAny(any, AddressSchema)).toThrow(AnyTypeMismatchError);
    expect(() => unpackAny(any, AddressSchema)).toThrow(
      /istio\.security\.Authorization but type\.googleapis\.com\/istio\.workload\.Address/,
    );
  });
});
