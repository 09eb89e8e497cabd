import { describe, expect, it } from 'vitest';
import { AuthorizationSchema } from './gen/istio/security/authorization_pb.js';
import { AddressSchema } from './gen/istio/workload/workload_pb.js';
import { ADDRESS_TYPE_URL, AUTHORIZATION_TYPE_URL, typeUrlFor } from './type-urls.js';

describe('type URL constants', () => {
  it('name the generated WDS schemas', () => {
    expect(ADDRESS_TYPE_URL).toBe(typeUrlFor(AddressSchema.typeName));
    expect(AUTHORIZATION_TYPE_URL).toBe(typeUrlFor(AuthorizationSchema.typeName));
    expect(ADDRESS_TYPE_URL).toBe('type.googleapis.com/istio.workload.Address');
    expect(AUTHORIZATION_TYPE_URL).toBe('type.googleapis.com/istio.security.Authorization');
  });
});
