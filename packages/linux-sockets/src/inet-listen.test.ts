// Listeners made inside network namespaces the test creates (root only).
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectInstance } from '../test/expect-instance.js';
import { NetnsLab, netnsUnavailableReason } from '../test/netns-fixture.js';
import { closeServer, readAll, readAllFromFd, serveHttp, serveText } from '../test/servers.js';
import {
  bindUdpInNetns,
  closeFd,
  connectTcpInNetns,
  listenTcpInNetns,
  localAddressOf,
  netnsInode,
  openNetns,
  SyscallError,
  type NetnsFd,
} from './index.js';

const skipped = netnsUnavailableReason !== undefined;

describe.skipIf(skipped)(
  `listeners inside a network namespace${skipped ? ` (skipped: ${netnsUnavailableReason})` : ''}`,
  () => {
    let lab: NetnsLab;
    let nsA: string;
    let nsB: string;
    let fdA: NetnsFd;
    const servers: Server[] = [];
    const fds: number[] = [];

    beforeAll(() => {
      lab = new NetnsLab();
      nsA = lab.addNamespace('listen-a');
      nsB = lab.addNamespace('listen-b');
      lab.link(
        { ns: nsA, cidr: '198.18.1.1/24', cidr6: 'fd00:1::1/64' },
        { ns: nsB, cidr: '198.18.1.2/24', cidr6: 'fd00:1::2/64' },
      );
      fdA = openNetns({ path: `/var/run/netns/${nsA}` });
    });
    afterEach(async () => {
      await Promise.all(servers.splice(0).map(closeServer));
      for (const fd of fds.splice(0)) closeFd(fd);
    });
    afterAll(() => {
      try {
        closeFd(fdA);
      } finally {
        lab.cleanup();
      }
    });

    async function http(fd: number, body: string): Promise<void> {
      servers.push(await serveHttp(fd, body));
    }

    it('serves connections made inside its namespace, and leaves the port free in the host', async () => {
      const fd = listenTcpInNetns(fdA, { host: '0.0.0.0', port: 0 });
      const { port, family } = localAddressOf(fd);
      expect(family).toBe(4);
      expect(port).toBeGreaterThan(0);
      await http(fd, 'hello from A');

      const local = await lab.exec(nsA, 'curl', [
        '-sS',
        '--max-time',
        '5',
        `http://127.0.0.1:${port}/`,
      ]);
      expect(local.stdout).toBe('hello from A');
      const fromB = await lab.exec(nsB, 'curl', [
        '-sS',
        '--max-time',
        '5',
        `http://198.18.1.1:${port}/`,
      ]);
      expect(fromB.stdout).toBe('hello from A');

      // The host namespace has no socket on that port: we can take it, and a
      // host client reaches the host's listener, not the one in A.
      const host = createServer((socket) => socket.end('host'));
      servers.push(host);
      await new Promise<void>((resolve, reject) => {
        host.once('error', reject);
        host.listen(port, '127.0.0.1', resolve);
      });
      expect(await readAll(connect(port, '127.0.0.1'))).toBe('host');
    });

    it('opens the namespace of a process by pid and listens there', async () => {
      const child = lab.spawn(nsB, 'sleep', ['60']);
      const pid = child.pid!;
      const wanted = statSync(`/var/run/netns/${nsB}`).ino;
      // `ip netns exec` enters the namespace just before exec'ing sleep.
      for (let i = 0; i < 100 && statSync(`/proc/${pid}/ns/net`).ino !== wanted; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const fdB = openNetns({ pid });
      fds.push(fdB);
      expect(netnsInode(fdB)).toBe(wanted);
      const fd = listenTcpInNetns(fdB, { host: '198.18.1.2', port: 0 });
      const { port } = localAddressOf(fd);
      servers.push(await serveText(fd, (socket) => `B saw ${socket.remoteAddress}`));
      // A client socket made inside A reaches it over the veth.
      const client = await connectTcpInNetns(fdA, { host: '198.18.1.2', port });
      expect(await readAllFromFd(client)).toBe('B saw 198.18.1.1');
      child.kill('SIGKILL');
    });

    it('listens in the caller’s own namespace when netns is null', async () => {
      const fd = listenTcpInNetns(null, { host: '127.0.0.1', port: 0 });
      const { port } = localAddressOf(fd);
      servers.push(await serveText(fd, 'own namespace'));
      expect(await readAll(connect(port, '127.0.0.1'))).toBe('own namespace');
    });

    it('makes "::" dual-stack by default and IPv6-only on request', async () => {
      const dual = listenTcpInNetns(fdA, { host: '::', port: 0 });
      const dualPort = localAddressOf(dual).port;
      expect(localAddressOf(dual).family).toBe(6);
      await http(dual, 'dual');
      const v6 = await lab.exec(nsB, 'curl', [
        '-sS',
        '--max-time',
        '5',
        `http://[fd00:1::1]:${dualPort}/`,
      ]);
      expect(v6.stdout).toBe('dual');
      const v4 = await lab.exec(nsB, 'curl', [
        '-sS',
        '--max-time',
        '5',
        `http://198.18.1.1:${dualPort}/`,
      ]);
      expect(v4.stdout).toBe('dual');

      const only6 = listenTcpInNetns(fdA, { host: '::', port: 0, ipv6Only: true });
      const only6Port = localAddressOf(only6).port;
      await http(only6, 'v6 only');
      const refused = await connectTcpInNetns(fdA, { host: '127.0.0.1', port: only6Port }).catch(
        (e: unknown) => e,
      );
      expect(expectInstance(refused, SyscallError).code).toBe('ECONNREFUSED');
    });

    it('refuses a taken port with EADDRINUSE unless every listener shares it with reusePort', () => {
      const first = listenTcpInNetns(fdA, { host: '127.0.0.1', port: 0 });
      fds.push(first);
      const { port } = localAddressOf(first);
      let error: unknown;
      try {
        listenTcpInNetns(fdA, { host: '127.0.0.1', port });
      } catch (e) {
        error = e;
      }
      const inUse = expectInstance(error, SyscallError);
      expect(inUse.code).toBe('EADDRINUSE');
      expect(inUse.syscall).toBe('bind');
      expect(inUse.message).toContain(`127.0.0.1:${port}`);

      const a = listenTcpInNetns(fdA, { host: '127.0.0.1', port: 0, reusePort: true });
      const shared = localAddressOf(a).port;
      const b = listenTcpInNetns(fdA, { host: '127.0.0.1', port: shared, reusePort: true });
      fds.push(a, b);
      expect(localAddressOf(b).port).toBe(shared);
    });

    it('refuses an address the namespace does not own, unless freebind is set', () => {
      let error: unknown;
      try {
        listenTcpInNetns(fdA, { host: '198.18.1.2', port: 0 });
      } catch (e) {
        error = e;
      }
      const notHere = expectInstance(error, SyscallError);
      expect(notHere.code).toBe('EADDRNOTAVAIL');
      expect(notHere.message).toContain('transparent or freebind');
      const fd = listenTcpInNetns(fdA, { host: '198.18.1.2', port: 0, freebind: true });
      fds.push(fd);
      expect(localAddressOf(fd).address).toBe('198.18.1.2');
    });

    it('binds a UDP socket inside the namespace for dgram to adopt', async () => {
      const fd = bindUdpInNetns(fdA, { host: '127.0.0.1', port: 0 });
      const { port } = localAddressOf(fd);
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => {
        socket.bind({ fd }, resolve);
      });
      const received = once(socket, 'message') as Promise<[Buffer]>;
      await lab.exec(nsA, process.execPath, [
        '-e',
        `const s = require('node:dgram').createSocket('udp4'); s.send('ping', ${port}, '127.0.0.1', () => s.close());`,
      ]);
      const [message] = await received;
      expect(message.toString()).toBe('ping');
      socket.close();

      // Not bound in the host namespace.
      const host = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        host.once('error', reject);
        host.bind(port, '127.0.0.1', resolve);
      });
      host.close();
    });

    it('reports an fd that is not a namespace as a setns error', () => {
      const notNetns = listenTcpInNetns(null, { host: '127.0.0.1', port: 0 });
      fds.push(notNetns);
      let error: unknown;
      try {
        listenTcpInNetns(notNetns as NetnsFd, { host: '127.0.0.1', port: 0 });
      } catch (e) {
        error = e;
      }
      const typed = expectInstance(error, SyscallError);
      expect(typed.syscall).toBe('setns');
      expect(typed.code).toBe('EINVAL');
      expect(typed.message).toContain('not a network namespace fd');
    });
  },
);
