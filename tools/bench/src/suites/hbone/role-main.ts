// Entry point of a helper process: plays one role of the benchmark topology
// (see protocol.ts) until its parent goes away.

import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createHboneServer, HbonePool, relay } from '@ambient-ts/hbone';
import { parseSpiffeId } from '@ambient-ts/spiffe';
import type { FromRole, RoleSpec, ToRole, WorkloadPem } from './protocol.js';

function send(msg: FromRole): void {
  process.send?.(msg);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as AddressInfo).port);
    }),
  );
}

function dialLocal(port: number): Socket {
  return connect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen: true });
}

async function apps(): Promise<number[]> {
  const sink = createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('end', () => {
      const reply = Buffer.alloc(8);
      reply.writeBigUInt64BE(BigInt(n));
      s.end(reply);
    });
    s.on('error', () => s.destroy());
  });
  const echo = createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    s.pipe(s);
    s.on('error', () => s.destroy());
  });
  const block = Buffer.alloc(256 * 1024, 0xa5);
  const source = createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
    s.on('error', () => s.destroy());
    s.once('readable', function onReadable() {
      const head = s.read(8) as Buffer | null;
      if (!head) {
        s.once('readable', onReadable);
        return;
      }
      let left = Number(head.readBigUInt64BE(0));
      s.resume();
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, block.length);
          left -= n;
          if (!s.write(n === block.length ? block : block.subarray(0, n))) {
            s.once('drain', pump);
            return;
          }
        }
        s.end();
      };
      pump();
    });
  });
  return [await listen(sink), await listen(echo), await listen(source)];
}

async function tcpRelay(targets: number[]): Promise<number[]> {
  const ports: number[] = [];
  for (const target of targets) {
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
      const upstream = dialLocal(target);
      client.pipe(upstream);
      upstream.pipe(client);
      const kill = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', kill);
      upstream.on('error', kill);
    });
    ports.push(await listen(server));
  }
  return ports;
}

function identityOf(w: WorkloadPem): { certChainPem: string[]; keyPem: string } {
  return { certChainPem: w.certChainPem, keyPem: w.keyPem };
}

async function hboneIn(w: WorkloadPem): Promise<number[]> {
  const server = createHboneServer({
    identity: identityOf(w),
    trustBundle: w.rootsPem,
    authorize: () => Promise.resolve({ allow: true }),
    dial: (req) =>
      new Promise((resolve, reject) => {
        const s = dialLocal(req.target.port);
        s.once('connect', () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      }),
  });
  const addr = await server.start({ port: 0, host: '127.0.0.1' });
  return [addr.port];
}

async function hboneOut(spec: Extract<RoleSpec, { role: 'hbone-out' }>): Promise<number[]> {
  const pool = new HbonePool();
  const source = {
    identity: parseSpiffeId(spec.workload.identityUri),
    ...identityOf(spec.workload),
    trustBundle: spec.workload.rootsPem,
  };
  const expected = [parseSpiffeId(spec.expectedIdentityUri)];
  const ports: number[] = [];
  for (const target of spec.targets) {
    const server = createServer(
      { allowHalfOpen: true, noDelay: true, pauseOnConnect: true },
      (app) => {
        app.on('error', () => app.destroy());
        pool
          .connect({
            source,
            destination: { address: spec.hboneAddress, expectedIdentities: expected },
            target: `127.0.0.1:${target}`,
            headers: { forwardedFor: `${app.remoteAddress ?? ''}:${app.remotePort ?? 0}` },
          })
          .then(
            (tunnel) => {
              relay(app, tunnel);
              app.resume();
            },
            () => app.destroy(),
          );
      },
    );
    ports.push(await listen(server));
  }
  return ports;
}

function start(spec: RoleSpec): Promise<number[]> {
  switch (spec.role) {
    case 'apps':
      return apps();
    case 'tcp-relay':
      return tcpRelay(spec.targets);
    case 'hbone-in':
      return hboneIn(spec.workload);
    case 'hbone-out':
      return hboneOut(spec);
  }
}

process.on('message', (msg: ToRole) => {
  if (msg.kind === 'cpu') {
    const u = process.cpuUsage();
    send({ kind: 'cpu', micros: u.user + u.system });
    return;
  }
  start(msg.spec).then(
    (ports) => {
      send({ kind: 'ready', ports });
    },
    (err: unknown) => {
      send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    },
  );
});
process.on('disconnect', () => process.exit(0));
