// One HTTP request the way a client pod's ztunnel sends it to a waypoint:
// an HBONE tunnel (the client's workload identity, CONNECT to the service's
// VIP:port) carrying a single HTTP/1.1 exchange.

import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { HbonePool } from '@ambient-ts/hbone';
import type { SpiffeId } from '@ambient-ts/spiffe';
import type { Svid } from './svid.js';

export interface TunnelCall {
  readonly from: Svid;
  /** The HBONE server, `ip:15008`, and the identity it must present. */
  readonly via: { readonly address: string; readonly identity: SpiffeId };
  /** The CONNECT authority, `VIP:port`. */
  readonly target: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CallResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export async function callThroughTunnel(pool: HbonePool, call: TunnelCall): Promise<CallResult> {
  const tunnel = await pool.connect({
    source: call.from,
    destination: { address: call.via.address, expectedIdentities: [call.via.identity] },
    target: call.target,
  });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        method: 'GET',
        path: call.path,
        headers: { ...call.headers },
        createConnection: () => tunnel,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.once('error', reject);
    req.end();
  });
}
