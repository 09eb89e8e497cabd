// The agent's end of the CNI plugin: HTTP on a unix socket (/var/run/istio-cni/pluginevent.sock),
// POST /cmdadd with upstream's event body. The response comes only after the pod is captured
// and ztunnel acknowledged it, so the pod's sandbox waits; any failure is a non-200 whose
// body the plugin reports in its CNI error.
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import type { Log } from '../log.js';
import { CMD_ADD_PATH, decodeCmdAddEvent, type CmdAddEvent } from '../plugin-event.js';

const MAX_BODY_BYTES = 64 * 1024;

export interface PluginEventServer {
  close(): Promise<void>;
}

export async function startPluginEventServer(
  socketPath: string,
  handle: (event: CmdAddEvent) => Promise<void>,
  log: Log,
): Promise<PluginEventServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== CMD_ADD_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown plugin event\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end('plugin event too large\n');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      let event: CmdAddEvent;
      try {
        event = decodeCmdAddEvent(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`${errorMessage(err)}\n`);
        return;
      }
      const pod = `${event.podNamespace}/${event.podName}`;
      handle(event).then(
        () => {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        },
        (err: unknown) => {
          log.warn(
            { pod, err: errorMessage(err) },
            'CNI add for an ambient pod failed; the runtime will retry',
          );
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`${errorMessage(err)}\n`);
        },
      );
    });
  });
  mkdirSync(path.dirname(socketPath), { recursive: true });
  rmSync(socketPath, { force: true }); // a previous agent's socket
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
