// The destination pods in a process of their own (forked by topology.ts),
// so that the client, the pods and the waypoint each have their own event
// loop, as they would in a cluster. Each pod is a stand-in ztunnel (HBONE on
// <ip>:15008) in front of an HTTP app on <ip>:<port> answering every request
// with a fixed body; the app is also reachable directly, for the baseline.
// Exits when its parent goes away.

import { startStandInPod, type StandInPod } from '../test/harness/stand-in-pod.js';
import type { Svid } from '../test/harness/svid.js';

export interface PodsStart {
  readonly kind: 'start';
  readonly pods: readonly { readonly ip: string; readonly version: string; readonly svid: Svid }[];
  readonly port: number;
  readonly bodyBytes: number;
}

export type PodsReply =
  { readonly kind: 'ready' } | { readonly kind: 'failed'; readonly error: string };

const running: StandInPod[] = [];

function reply(msg: PodsReply): void {
  process.send?.(msg);
}

async function start(msg: PodsStart): Promise<void> {
  const body = Buffer.alloc(msg.bodyBytes, 'x');
  for (const p of msg.pods) {
    running.push(
      await startStandInPod({
        svid: p.svid,
        ip: p.ip,
        targetPort: msg.port,
        app: { host: p.ip, port: msg.port },
        handle: (_req, res) => {
          res.writeHead(200, {
            'content-type': 'text/plain',
            'content-length': body.length,
            'x-version': p.version,
          });
          res.end(body);
        },
      }),
    );
  }
}

process.on('message', (msg: PodsStart) => {
  if (msg.kind !== 'start') return;
  start(msg).then(
    () => {
      reply({ kind: 'ready' });
    },
    (err: unknown) => {
      reply({ kind: 'failed', error: (err as Error).stack ?? String(err) });
    },
  );
});

process.on('disconnect', () => {
  void Promise.allSettled(running.map((p) => p.close())).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
