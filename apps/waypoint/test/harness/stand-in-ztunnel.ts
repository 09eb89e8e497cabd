// A destination pod's ztunnel: a real HBONE server on <ip>:15008 with the
// pod's identity that accepts CONNECT to <ip>:<targetPort> and relays it to
// an app already listening at <appHost>:<appPort>. `onRelay` learns each
// relayed connection and the verified peer that opened its tunnel.

import { connect, type Socket } from 'node:net';
import { createHboneServer, type HboneServer } from '@ambient-ts/hbone';
import type { Svid } from './svid.js';

export async function startStandInZtunnel(opts: {
  readonly svid: Svid;
  readonly ip: string;
  readonly targetPort: number;
  readonly appPort: number;
  readonly appHost?: string;
  readonly onRelay?: (socket: Socket, peerUri: string) => void;
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
    dial: (req) =>
      new Promise<Socket>((resolve, reject) => {
        const s = connect({
          host: opts.appHost ?? '127.0.0.1',
          port: opts.appPort,
          allowHalfOpen: true,
          noDelay: true,
        });
        s.once('connect', () => {
          opts.onRelay?.(s, req.peer.uri);
          resolve(s);
        });
        s.once('error', reject);
      }),
  });
  await hbone.start({ host: opts.ip, port: 15008 });
  return hbone;
}
