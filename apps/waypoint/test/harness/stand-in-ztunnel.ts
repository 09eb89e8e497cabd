// A destination pod's ztunnel for tests whose app is not plain HTTP/1.1
// (gRPC, raw TCP): a real HBONE server on <ip>:15008 with the pod's identity
// that accepts CONNECT to <ip>:<targetPort> and relays it to an app already
// listening on 127.0.0.1:<appPort>.

import { connect, type Socket } from 'node:net';
import { createHboneServer, type HboneServer } from '@ambient-ts/hbone';
import type { Svid } from './svid.js';

export async function startStandInZtunnel(opts: {
  readonly svid: Svid;
  readonly ip: string;
  readonly targetPort: number;
  readonly appPort: number;
}): Promise<HboneServer> {
  const hbone = createHboneServer({
    identity: opts.svid,
    trustBundle: opts.svid.trustBundle,
    authorize: (req) =>
      Promise.resolve(
        req.target.ip === opts.ip && req.target.port === opts.targetPort
          ? { allow: true }
          : { allow: false, status: 400, reason: 'wrong target' },
      ),
    dial: () =>
      new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: opts.appPort, allowHalfOpen: true });
        s.once('connect', () => {
          resolve(s);
        });
        s.once('error', reject);
      }),
  });
  await hbone.start({ host: opts.ip, port: 15008 });
  return hbone;
}
