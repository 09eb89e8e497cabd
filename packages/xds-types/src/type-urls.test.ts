import { describe, expect, it } from 'vitest';
import { AuthorizationSchema } from './gen/istio/security/authorization_pb.js';
import { AddressSchema } from './gen/istio/workload/workload_pb.js';
import { WaypointListenerSchema } from './gen/ambient_ts/waypoint/v1/waypoint_pb.js';
import {
  ADDRESS_TYPE_URL,
  AUTHORIZATION_TYPE_URL,
  typeUrlFor,
  WAYPOINT_LISTENER_TYPE_URL,
} from './type-urls.js';
import { waypointListenerName } from './waypoint-names.js';

describe('type URL constants', () => {
  it('name the generated WDS schemas', () => {
    expect(ADDRESS_TYPE_URL).toBe(typeUrlFor(AddressSchema.typeName));
    expect(AUTHORIZATION_TYPE_URL).toBe(typeUrlFor(AuthorizationSchema.typeName));
    expect(ADDRESS_TYPE_URL).toBe('type.googleapis.com/istio.workload.Address');
    expect(AUTHORIZATION_TYPE_URL).toBe('type.googleapis.com/istio.security.Authorization');
  });

  it('name the waypoint listener schema and its resources by service port', () => {
    expect(WAYPOINT_LISTENER_TYPE_URL).toBe(typeUrlFor(WaypointListenerSchema.typeName));
    expect(
      waypointListenerName({
        namespace: 'bookinfo',
        hostname: 'reviews.bookinfo.svc.cluster.local',
        port: 9080,
      }),
    ).toBe('bookinfo/reviews.bookinfo.svc.cluster.local:9080');
  });
});
