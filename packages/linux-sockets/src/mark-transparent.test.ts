// SO_MARK and IP_TRANSPARENT on sockets made inside a namespace, proven by
// iptables rules and routing inside the namespaces the test creates (root only).
import { Socket, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInstance, rejectionOf } from '../test/expect-instance.js';
import { NetnsLab, netnsUnavailableReason } from '../test/netns-fixture.js';
import { closeServer, readAllFromFd, serveText } from '../test/servers.js';
import {
  closeFd,
  connectTcpInNetns,
  getMark,
  getOriginalDst,
  listenTcpInNetns,
  openNetns,
  setMark,
  socketFd,
  SyscallError,
  type NetnsFd,
} from './index.js';

const skipped = netnsUnavailableReason !== undefined;
const ZTUNNEL_MARK = 0x539;

describe.skipIf(skipped)(
  `SO_MARK and IP_TRANSPARENT${skipped ? ` (skipped: ${netnsUnavailableReason})` : ''}`,
  () => {
    let lab: NetnsLab;
    let client: string;
    let clientFd: NetnsFd;
    let serverFd: NetnsFd;
    const servers: Server[] = [];

    beforeAll(async () => {
      lab = new NetnsLab();
      client = lab.addNamespace('mark-c');
      const server = lab.addNamespace('mark-s');
      lab.link({ ns: client, cidr: '198.18.3.1/24' }, { ns: server, cidr: '198.18.3.2/24' });
      clientFd = openNetns({ path: `/var/run/netns/${client}` });
      serverFd = openNetns({ path: `/var/run/netns/${server}` });

      // The in-pod capture rule: unmarked outbound TCP goes to ztunnel's 15001,
      // ztunnel's own (marked 0x539) sockets pass.
      lab.iptables(client, [
        '-t',
        'nat',
        '-A',
        'OUTPUT',
        '-p',
        'tcp',
        '-d',
        '198.18.3.2',
        '--dport',
        '9000',
        '-m',
        'mark',
        '!',
        '--mark',
        `0x${ZTUNNEL_MARK.toString(16)}`,
        '-j',
        'REDIRECT',
        '--to-ports',
        '15001',
      ]);
      servers.push(
        await serveText(listenTcpInNetns(clientFd, { host: '0.0.0.0', port: 15001 }), (socket) => {
          const dst = getOriginalDst(socketFd(socket));
          return `captured ${dst.address}:${dst.port}`;
        }),
      );
      servers.push(
        await serveText(
          listenTcpInNetns(serverFd, { host: '0.0.0.0', port: 9000 }),
          (socket) => `server saw ${socket.remoteAddress}`,
        ),
      );

      // Spoofed-source return path, as ztunnel's inbound needs it: the server
      // namespace routes 198.18.3.99 back over the link, and the client
      // namespace treats it as local so the replies reach the transparent socket.
      lab.execSync(server, 'ip', ['route', 'add', '198.18.3.99/32', 'via', '198.18.3.1']);
      lab.execSync(client, 'ip', [
        'rule',
        'add',
        'to',
        '198.18.3.99',
        'lookup',
        '100',
        'pref',
        '100',
      ]);
      lab.execSync(client, 'ip', [
        'route',
        'add',
        'local',
        '198.18.3.99/32',
        'dev',
        'lo',
        'table',
        '100',
      ]);
    });
    afterAll(async () => {
      try {
        await Promise.all(servers.splice(0).map(closeServer));
        closeFd(clientFd);
        closeFd(serverFd);
      } finally {
        lab.cleanup();
      }
    });

    it('lets a socket marked 0x539 skip the capture rule while an unmarked one is captured', async () => {
      const marked = await connectTcpInNetns(clientFd, {
        host: '198.18.3.2',
        port: 9000,
        mark: ZTUNNEL_MARK,
      });
      expect(getMark(marked)).toBe(ZTUNNEL_MARK);
      expect(await readAllFromFd(marked)).toBe('server saw 198.18.3.1');

      const unmarked = await connectTcpInNetns(clientFd, { host: '198.18.3.2', port: 9000 });
      expect(getMark(unmarked)).toBe(0);
      expect(await readAllFromFd(unmarked)).toBe('captured 198.18.3.2:9000');
    });

    it('marks the packets of an existing socket from setMark on (iptables counters)', async () => {
      lab.iptables(client, ['-t', 'mangle', '-N', 'LSK_COUNT']);
      lab.iptables(client, [
        '-t',
        'mangle',
        '-A',
        'OUTPUT',
        '-p',
        'tcp',
        '-d',
        '198.18.3.2',
        '-m',
        'mark',
        '--mark',
        '0x111',
        '-j',
        'LSK_COUNT',
      ]);
      const counted = (): number => {
        const out = lab.iptables(client, ['-t', 'mangle', '-L', 'OUTPUT', '-v', '-x', '-n']);
        const line = out.split('\n').find((l) => l.includes('LSK_COUNT'));
        return Number(line?.trim().split(/\s+/)[0] ?? NaN);
      };
      const fd = await connectTcpInNetns(clientFd, {
        host: '198.18.3.2',
        port: 9000,
        mark: ZTUNNEL_MARK,
      });
      expect(counted()).toBe(0);
      const socket = new Socket({ fd, readable: true, writable: true });
      setMark(socketFd(socket), 0x111);
      expect(getMark(socketFd(socket))).toBe(0x111);
      await new Promise<void>((resolve) => {
        socket.on('data', () => undefined);
        socket.end('bye', resolve);
      });
      await new Promise((resolve) => socket.on('close', resolve));
      expect(counted()).toBeGreaterThan(0);
    });

    it('connects from a source address the namespace does not own with transparent: true', async () => {
      const fd = await connectTcpInNetns(clientFd, {
        host: '198.18.3.2',
        port: 9000,
        mark: ZTUNNEL_MARK,
        transparent: true,
        localAddress: '198.18.3.99',
      });
      expect(await readAllFromFd(fd)).toBe('server saw 198.18.3.99');
    });

    it('refuses that source address without transparent, saying what to set', async () => {
      const error = expectInstance(
        await rejectionOf(
          connectTcpInNetns(clientFd, {
            host: '198.18.3.2',
            port: 9000,
            mark: ZTUNNEL_MARK,
            localAddress: '198.18.3.99',
          }),
        ),
        SyscallError,
      );
      expect(error.code).toBe('EADDRNOTAVAIL');
      expect(error.syscall).toBe('bind');
      expect(error.message).toContain('transparent');
    });

    it('binds an explicit local port on an address the namespace owns', async () => {
      const fd = await connectTcpInNetns(clientFd, {
        host: '198.18.3.2',
        port: 9000,
        mark: ZTUNNEL_MARK,
        localAddress: '198.18.3.1',
        localPort: 41234,
      });
      expect(await readAllFromFd(fd)).toBe('server saw 198.18.3.1');
    });
  },
);
