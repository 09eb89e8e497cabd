// A destination pod as the waypoint sees it: a stand-in ztunnel (a real HBONE
// server on <pod IP>:15008 presenting the pod's identity) in front of a plain
// HTTP app. The app's handler is told which verified peer opened the tunnel
// its connection came through, so a test can check who the waypoint claimed
// to be.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HboneServer } from '@ambient-ts/hbone';
import { startStandInZtunnel } from './stand-in-ztunnel.js';
import type { Svid } from './svid.js';

export type PodHandler = (req: IncomingMessage, res: ServerResponse, peer: string) => void;

export interface StandInPodOptions {
  readonly svid: Svid;
  /** The pod IP: HBONE listens on <ip>:15008 and accepts CONNECT to <ip>:<targetPort> only. */
  readonly ip: string;
  readonly targetPort: number;
  /**
   * Where the app listens. By default a free port on 127.0.0.1, reachable
   * only through the tunnel; the bench puts it on <ip>:<targetPort> so that
   * a client can also call it directly.
   */
  readonly app?: { readonly host: string; readonly port: number };
  readonly handle: PodHandler;
}

export interface StandInPod {
  readonly ip: string;
  readonly app: Server;
  readonly appAddress: AddressInfo;
  readonly hbone: HboneServer;
  close(): Promise<void>;
}

export async function startStandInPod(opts: StandInPodOptions): Promise<StandInPod> {
  // The app's side of each relayed connection is keyed by the relay's local port.
  const peers = new Map<number, string>();
  const app = createServer((req, res) => {
    opts.handle(req, res, peers.get(req.socket.remotePort ?? -1) ?? '');
  });
  app.keepAliveTimeout = 60_000;
  const where = opts.app ?? { host: '127.0.0.1', port: 0 };
  await new Promise<void>((resolve, reject) => {
    app.once('error', reject);
    app.listen(where.port, where.host, () => {
      app.off('error', reject);
      resolve();
    });
  });
  const appAddress = app.address() as AddressInfo;
  const hbone = await startStandInZtunnel({
    svid: opts.svid,
    ip: opts.ip,
    targetPort: opts.targetPort,
    appHost: appAddress.address,
    appPort: appAddress.port,
    onRelay: (socket, peer) => {
      const port = socket.localPort ?? -1;
      peers.set(port, peer);
      socket.once('close', () => peers.delete(port));
    },
  });
  return {
    ip: opts.ip,
    app,
    appAddress,
    hbone,
    async close() {
      await hbone.close();
      await new Promise<void>((resolve) => {
        app.close(() => {
          resolve();
        });
        app.closeAllConnections();
      });
    },
  };
}
