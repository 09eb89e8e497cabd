// A network namespace fd passed over SEQPACKET (the ZDS AddWorkload path)
// opens the same namespace on the receiving side (root only).
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab, netnsUnavailableReason } from '../test/netns-fixture.js';
import { closeServer, serveHttp } from '../test/servers.js';
import {
  asNetnsFd,
  closeFd,
  connectSeqpacket,
  listenSeqpacket,
  listenTcpInNetns,
  localAddressOf,
  netnsInode,
  openNetns,
  type SeqpacketServer,
  type SeqpacketSocket,
} from './index.js';

const skipped = netnsUnavailableReason !== undefined;

describe.skipIf(skipped)(
  `netns fds over SEQPACKET${skipped ? ` (skipped: ${netnsUnavailableReason})` : ''}`,
  () => {
    let lab: NetnsLab;
    let pod: string;
    let dir: string;
    const cleanups: (() => Promise<void> | void)[] = [];

    beforeAll(() => {
      lab = new NetnsLab();
      pod = lab.addNamespace('zds-pod');
      dir = mkdtempSync(join(tmpdir(), 'lsk-zds-'));
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    afterAll(() => {
      lab.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    function listen(name: string): SeqpacketServer {
      const server = listenSeqpacket(join(dir, name));
      cleanups.push(() => {
        server.close();
      });
      return server;
    }

    it('receives a pod namespace fd from another process and listens inside that pod', async () => {
      const server = listen('ztunnel.sock');
      const connection = once(server, 'connection') as Promise<[SeqpacketSocket]>;
      const fixture = fileURLToPath(new URL('../test/fixtures/send-netns-fd.ts', import.meta.url));
      const child = lab.spawn(pod, process.execPath, ['--import', 'tsx', fixture, server.path]);
      let childErr = '';
      child.stderr?.on('data', (chunk: Buffer) => (childErr += chunk.toString()));
      const exited = once(child, 'exit') as Promise<[number | null]>;

      const [socket] = await connection;
      cleanups.push(() => {
        socket.close();
      });
      const [data, fds] = (await once(socket, 'message')) as [Buffer, number[]];
      expect(data.toString()).toBe('add');
      expect(fds).toHaveLength(1);
      const netns = asNetnsFd(fds[0]!);
      cleanups.push(() => {
        closeFd(netns);
      });
      expect(netnsInode(netns)).toBe(statSync(`/var/run/netns/${pod}`).ino);
      expect(netnsInode(netns)).not.toBe(statSync('/proc/self/ns/net').ino);

      // What ztunnel does with it: a listener inside the pod, reachable from the pod.
      const fd = listenTcpInNetns(netns, { host: '127.0.0.1', port: 0 });
      const http: Server = await serveHttp(fd, 'ztunnel in the pod');
      cleanups.push(() => closeServer(http));
      const { stdout } = await lab.exec(pod, 'curl', [
        '-sS',
        '--max-time',
        '5',
        `http://127.0.0.1:${localAddressOf(fd).port}/`,
      ]);
      expect(stdout).toBe('ztunnel in the pod');

      await socket.send(Buffer.from('ack'));
      const [code] = await exited;
      expect(childErr).toBe('');
      expect(code).toBe(0);
    });

    it('passes a namespace fd between two sockets of one process as a new fd of the same namespace', async () => {
      const server = listen('local.sock');
      const connection = once(server, 'connection') as Promise<[SeqpacketSocket]>;
      const client = await connectSeqpacket(server.path);
      const [accepted] = await connection;
      cleanups.push(() => {
        client.close();
        accepted.close();
      });
      const sent = openNetns({ path: `/var/run/netns/${pod}` });
      const message = once(accepted, 'message') as Promise<[Buffer, number[]]>;
      await client.send(Buffer.from([0x0a, 0x03]), [sent]);
      closeFd(sent); // the kernel holds its own reference while the message is in flight
      const [, [received]] = await message;
      const netns = asNetnsFd(received!);
      expect(netnsInode(netns)).toBe(statSync(`/var/run/netns/${pod}`).ino);
      closeFd(netns);
    });
  },
);
