// Service port → WDS AppProtocol, from the port's protocol, appProtocol and
// name prefix (pkg/config/kube/conversion.go ConvertProtocol upstream).

import { workload } from '@ambient-ts/xds-types';

export type PortProtocol =
  | 'TCP'
  | 'UDP'
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTP'
  | 'HTTP_PROXY'
  | 'HTTP2'
  | 'HTTPS'
  | 'TLS'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'UNSUPPORTED';

const BY_NAME: Readonly<Record<string, PortProtocol>> = {
  tcp: 'TCP',
  udp: 'UDP',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  http: 'HTTP',
  http_proxy: 'HTTP_PROXY',
  http2: 'HTTP2',
  https: 'HTTPS',
  tls: 'TLS',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};

/** SMTP, DNS, MySQL, MongoDB default to TCP when nothing else says otherwise. */
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);

export function parseProtocolName(name: string): PortProtocol {
  return BY_NAME[name.toLowerCase()] ?? 'UNSUPPORTED';
}

export function kubePortProtocol(
  port: number,
  name: string | undefined,
  protocol: string | undefined,
  appProtocol: string | undefined,
): PortProtocol {
  if (protocol === 'UDP') return 'UDP';
  let text = name ?? '';
  if (appProtocol !== undefined) {
    text = appProtocol;
    if (text === 'kubernetes.io/h2c') return 'HTTP2';
    if (text === 'kubernetes.io/ws') return 'HTTP';
    if (text === 'kubernetes.io/wss') return 'HTTPS';
  }
  if (text.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  const dash = text.indexOf('-');
  const prefix = dash >= 0 ? text.slice(0, dash) : text;
  const parsed = parseProtocolName(prefix);
  if (parsed === 'UNSUPPORTED' && WELL_KNOWN_TCP_PORTS.has(port)) return 'TCP';
  return parsed;
}

export function toAppProtocol(p: PortProtocol): workload.AppProtocol {
  switch (p) {
    case 'HTTP':
      return workload.AppProtocol.HTTP11;
    case 'HTTP2':
      return workload.AppProtocol.HTTP2;
    case 'GRPC':
      return workload.AppProtocol.GRPC;
    case 'TLS':
    case 'HTTPS':
      return workload.AppProtocol.TLS;
    case 'TCP':
      return workload.AppProtocol.TCP;
    default:
      return workload.AppProtocol.UNKNOWN;
  }
}

/** Whether a waypoint should parse this port as HTTP. */
export function isHttpProtocol(p: PortProtocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web' || p === 'HTTP_PROXY';
}
