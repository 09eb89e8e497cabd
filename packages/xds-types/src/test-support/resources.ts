import { create } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { packAny } from '../any.js';
import { AuthorizationSchema } from '../gen/istio/security/authorization_pb.js';
import { AddressSchema, TunnelProtocol } from '../gen/istio/workload/workload_pb.js';

/** A WDS Address holding a workload, packed as the server stores it. */
export function workloadAddress(
  uid: string,
  fields: { node?: string; serviceAccount?: string; tunnel?: TunnelProtocol } = {},
): Any {
  return packAny(
    AddressSchema,
    create(AddressSchema, {
      type: {
        case: 'workload',
        value: {
          uid,
          name: uid.split('/').pop() ?? uid,
          node: fields.node ?? '',
          serviceAccount: fields.serviceAccount ?? '',
          tunnelProtocol: fields.tunnel ?? TunnelProtocol.HBONE,
        },
      },
    }),
  );
}

/** A WDS Authorization policy, packed. */
export function authorization(namespace: string, name: string): Any {
  return packAny(AuthorizationSchema, create(AuthorizationSchema, { namespace, name }));
}
