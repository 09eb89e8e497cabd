import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { DeltaDiscoveryRequestSchema } from './gen/envoy/service/discovery/v3/discovery_pb.js';
import { Action, AuthorizationSchema, Scope } from './gen/istio/security/authorization_pb.js';
import {
  AppProtocol,
  IPFamilies,
  LoadBalancing_Mode,
  LoadBalancing_Scope,
  Service_Visibility,
  ServiceSchema,
  TunnelProtocol,
  WorkloadSchema,
  WorkloadStatus,
} from './gen/istio/workload/workload_pb.js';
import { WorkloadRequestSchema } from './gen/istio/workload/zds/zds_pb.js';

// Expected bytes are written by hand from upstream's field tables
// (reference/ztunnel.md §1): tag = (field_number << 3) | wire_type, where wire
// type 0 = varint and 2 = length-delimited. Fields appear in field-number order
// (what protobuf-es, Go and prost all emit). A wrong field number, wire type or
// enum value in our .proto files changes these bytes.

function hex(...parts: string[]): Uint8Array {
  return Uint8Array.from(Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex'));
}

const ip = (...octets: number[]) => new Uint8Array(octets);

describe('golden bytes', () => {
  it('Workload encodes with upstream field numbers', () => {
    const workload = create(WorkloadSchema, {
      uid: 'c//Pod/ns/p',
      name: 'p',
      namespace: 'ns',
      addresses: [ip(10, 0, 0, 1)],
      tunnelProtocol: TunnelProtocol.HBONE,
      serviceAccount: 'sa',
      waypoint: {
        destination: { case: 'hostname', value: { namespace: 'ns', hostname: 'wp' } },
        hboneMtlsPort: 15008,
      },
      node: 'n1',
      status: WorkloadStatus.UNHEALTHY,
      services: {
        'ns/s': { ports: [{ servicePort: 80, targetPort: 8080, appProtocol: AppProtocol.HTTP11 }] },
      },
      locality: { region: 'r', zone: 'z' },
      capacity: 3,
    });
    const expected = hex(
      '0a 01 70', // 1 name "p"
      '12 02 6e73', // 2 namespace "ns"
      '1a 04 0a000001', // 3 addresses [10.0.0.1]
      '28 01', // 5 tunnel_protocol HBONE
      '3a 02 7361', // 7 service_account "sa"
      '42 0d', // 8 waypoint: GatewayAddress, 13 bytes
      '  0a 08', //   1 hostname: NamespacedHostname, 8 bytes
      '    0a 02 6e73', //     1 namespace "ns"
      '    12 02 7770', //     2 hostname "wp"
      '  18 a075', //   3 hbone_mtls_port 15008
      '4a 02 6e31', // 9 node "n1"
      '8801 01', // 17 status UNHEALTHY
      'a201 0b 632f2f506f642f6e732f70', // 20 uid "c//Pod/ns/p"
      'b201 11', // 22 services map entry, 17 bytes
      '  0a 04 6e732f73', //   key "ns/s"
      '  12 09', //   value PortList, 9 bytes
      '    0a 07', //     1 ports: Port, 7 bytes
      '      08 50', //       1 service_port 80
      '      10 903f', //       2 target_port 8080
      '      18 01', //       3 app_protocol HTTP11
      'c201 06', // 24 locality, 6 bytes
      '  0a 01 72', //   1 region "r"
      '  12 01 7a', //   2 zone "z"
      'da01 02 08 03', // 27 capacity UInt32Value{value: 3}
    );
    expect(Buffer.from(toBinary(WorkloadSchema, workload)).toString('hex')).toBe(
      Buffer.from(expected).toString('hex'),
    );
    expect(fromBinary(WorkloadSchema, expected)).toEqual(workload);
  });

  it('Service encodes with upstream field numbers, packed enums and optional CIDR length', () => {
    const service = create(ServiceSchema, {
      name: 's',
      namespace: 'ns',
      hostname: 's.ns',
      addresses: [{ address: ip(10, 96, 0, 1) }, { address: ip(240, 240, 0, 0), length: 16 }],
      ports: [{ servicePort: 80 }],
      waypoint: {
        destination: { case: 'address', value: { address: ip(10, 0, 0, 5) } },
        hboneMtlsPort: 15008,
      },
      loadBalancing: {
        routingPreference: [
          LoadBalancing_Scope.NETWORK,
          LoadBalancing_Scope.REGION,
          LoadBalancing_Scope.ZONE,
        ],
        mode: LoadBalancing_Mode.FAILOVER,
      },
      ipFamilies: IPFamilies.DUAL,
      canonical: true,
      visibility: Service_Visibility.NAMESPACE,
    });
    const expected = hex(
      '0a 01 73', // 1 name "s"
      '12 02 6e73', // 2 namespace "ns"
      '1a 04 732e6e73', // 3 hostname "s.ns"
      '22 06', // 4 addresses: NetworkAddress, 6 bytes
      '  12 04 0a600001', //   2 address 10.96.0.1 (length unset: absent)
      '22 08', // 4 addresses: NetworkAddress, 8 bytes
      '  12 04 f0f00000', //   2 address 240.240.0.0
      '  18 10', //   3 length 16
      '2a 02 08 50', // 5 ports: Port{service_port 80}
      '3a 0b', // 7 waypoint: GatewayAddress, 11 bytes
      '  12 06 12 04 0a000005', //   2 address: NetworkAddress{address 10.0.0.5}
      '  18 a075', //   3 hbone_mtls_port 15008
      '42 07', // 8 load_balancing, 7 bytes
      '  0a 03 06 01 02', //   1 routing_preference packed [NETWORK, REGION, ZONE]
      '  10 02', //   2 mode FAILOVER
      '48 03', // 9 ip_families DUAL
      '58 01', // 11 canonical true
      '70 01', // 14 visibility NAMESPACE
    );
    expect(Buffer.from(toBinary(ServiceSchema, service)).toString('hex')).toBe(
      Buffer.from(expected).toString('hex'),
    );
    expect(fromBinary(ServiceSchema, expected)).toEqual(service);
  });

  it('Authorization encodes with upstream field numbers', () => {
    const policy = create(AuthorizationSchema, {
      name: 'p',
      namespace: 'ns',
      scope: Scope.WORKLOAD_SELECTOR,
      action: Action.DENY,
      rules: [
        {
          clauses: [
            {
              matches: [
                {
                  namespaces: [{ matchType: { case: 'exact', value: 'a' } }],
                  notPrincipals: [{ matchType: { case: 'presence', value: {} } }],
                  sourceIps: [{ address: ip(10, 0, 0, 0), length: 8 }],
                  destinationPorts: [80, 8080],
                  notDestinationPorts: [9090],
                  serviceAccounts: [{ namespace: 'ns', serviceAccount: 'sa' }],
                },
              ],
            },
          ],
        },
      ],
      dryRun: true,
    });
    const expected = hex(
      '0a 01 70', // 1 name "p"
      '12 02 6e73', // 2 namespace "ns"
      '18 02', // 3 scope WORKLOAD_SELECTOR
      '20 01', // 4 action DENY
      '2a 2a', // 5 rules: Rule, 42 bytes
      '  0a 28', //   1 clauses: Clause, 40 bytes
      '    12 26', //     2 matches: Match, 38 bytes
      '      0a 03 0a 01 61', //       1 namespaces: StringMatch{1 exact "a"}
      '      22 02 22 00', //       4 not_principals: StringMatch{4 presence Empty}
      '      2a 08 0a 04 0a000000 10 08', //       5 source_ips: Address{10.0.0.0, length 8}
      '      4a 03 50 903f', //       9 destination_ports packed [80, 8080]
      '      52 02 8247', //       10 not_destination_ports packed [9090]
      '      5a 08 0a 02 6e73 12 02 7361', //       11 service_accounts {ns, sa}
      '30 01', // 6 dry_run true
    );
    expect(Buffer.from(toBinary(AuthorizationSchema, policy)).toString('hex')).toBe(
      Buffer.from(expected).toString('hex'),
    );
    expect(fromBinary(AuthorizationSchema, expected)).toEqual(policy);
  });

  it('a delta NACK carries type_url 2, response_nonce 6 and error_detail 7', () => {
    const nack = create(DeltaDiscoveryRequestSchema, {
      typeUrl: 't',
      responseNonce: 'n',
      errorDetail: { code: 3, message: 'bad' },
    });
    const expected = hex(
      '12 01 74', // 2 type_url "t"
      '32 01 6e', // 6 response_nonce "n"
      '3a 07 08 03 12 03 626164', // 7 error_detail Status{1 code 3, 2 message "bad"}
    );
    expect(Buffer.from(toBinary(DeltaDiscoveryRequestSchema, nack)).toString('hex')).toBe(
      Buffer.from(expected).toString('hex'),
    );
  });

  it('a ZDS DelWorkload puts its uid in field 2', () => {
    const request = create(WorkloadRequestSchema, {
      payload: { case: 'del', value: { uid: 'u' } },
    });
    // WorkloadRequest 2 del → DelWorkload 2 uid "u"
    expect(Buffer.from(toBinary(WorkloadRequestSchema, request)).toString('hex')).toBe(
      '1203120175',
    );
  });
});
