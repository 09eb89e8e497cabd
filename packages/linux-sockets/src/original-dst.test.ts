// SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST on connections that iptables REDIRECTs
// inside a namespace, as ztunnel's 15001 capture sees them (root only).
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectInstance } from '../test/expect-instance.js';
import { NetnsLab, netnsUnavailableReason } from '../test/netns-fixture.js';
import { closeServer } from '../test/servers.js';
import {
  closeFd,
  connectTcpInNetns,
  getOriginalDst,
  listenTcpInNetns,
  localAddressOf,
  openNetns,
  socketFd,
  SyscallError,
  type NetnsFd,
  type SocketAddress,
} from './index.js';

const skipped = netnsUnavailableReason !== undefined;

describe.skipIf(skipped)(
  `original destination of redirected connections${skipped ? ` (skipped: ${netnsUnavailableReason})` : ''}`,
  () => {
    let lab: NetnsLab;
    let ns: string;
    let netns: NetnsFd;
    let ip6NatReason: string | undefined;
    const servers: Server[] = [];

    beforeAll(() => {
      lab = new NetnsLab();
      ns = lab.addNamespace('odst');
      const peer = lab.addNamespace('odst-peer');
      lab.link(
        { ns, cidr: '198.18.2.1/24', cidr6: 'fd00:2::1/64' },
        { ns: peer, cidr: '198.18.2.2/24', cidr6: 'fd00:2::2/64' },
      );
      netns = openNetns({ path: `/var/run/netns/${ns}` });
      // Capture rules in the style of the in-pod ones: outbound TCP to the
      // peer on these ports goes to local capture listeners instead.
      lab.iptables(ns, [
        '-t',
        'nat',
        '-A',
        'OUTPUT',
        '-p',
        'tcp',
        '-d',
        '198.18.2.2',
        '--dport',
        '8080',
        '-j',
        'REDIRECT',
        '--to-ports',
        '15001',
      ]);
      lab.iptables(ns, [
        '-t',
        'nat',
        '-A',
        'OUTPUT',
        '-p',
        'tcp',
        '-d',
        '198.18.2.2',
        '--dport',
        '8081',
        '-j',
        'REDIRECT',
        '--to-ports',
        '15002',
      ]);
      try {
        lab.iptables(
          ns,
          [
            '-t',
            'nat',
            '-A',
            'OUTPUT',
            '-p',
            'tcp',
            '-d',
            'fd00:2::2',
            '--dport',
            '8080',
            '-j',
            'REDIRECT',
            '--to-ports',
            '15003',
          ],
          'ip6tables',
        );
      } catch (error) {
        ip6NatReason = `ip6tables nat is not usable here: ${(error as Error).message.split('\n')[0]}`;
      }
    });
    afterEach(async () => {
      await Promise.all(servers.splice(0).map(closeServer));
    });
    afterAll(() => {
      try {
        closeFd(netns);
      } finally {
        lab.cleanup();
      }
    });

    /** A capture listener in the namespace that reports each accepted connection's original destination. */
    async function capture(
      host: string,
      port: number,
      ipv6Only = false,
    ): Promise<{ seen: Promise<SocketAddress> }> {
      const fd = listenTcpInNetns(netns, { host, port, ipv6Only });
      let report: (address: SocketAddress) => void = () => undefined;
      let fail: (error: unknown) => void = () => undefined;
      const seen = new Promise<SocketAddress>((resolve, reject) => {
        report = resolve;
        fail = reject;
      });
      const server = createServer((socket: Socket) => {
        try {
          report(getOriginalDst(socketFd(socket)));
        } catch (error) {
          fail(error);
        }
        socket.destroy();
      });
      servers.push(server);
      server.listen({ fd });
      await once(server, 'listening');
      return { seen };
    }

    it('reports the IPv4 address and port the client dialled', async () => {
      const { seen } = await capture('0.0.0.0', 15001);
      const client = await connectTcpInNetns(netns, { host: '198.18.2.2', port: 8080 });
      expect(await seen).toEqual({ address: '198.18.2.2', port: 8080, family: 4 });
      closeFd(client);
    });

    it('reports an IPv4 destination as family 4 on a dual-stack "::" listener', async () => {
      const { seen } = await capture('::', 15002);
      const client = await connectTcpInNetns(netns, { host: '198.18.2.2', port: 8081 });
      expect(await seen).toEqual({ address: '198.18.2.2', port: 8081, family: 4 });
      closeFd(client);
    });

    it('reports the IPv6 destination of an ip6tables REDIRECT', async (ctx) => {
      ctx.skip(ip6NatReason !== undefined, ip6NatReason);
      const { seen } = await capture('::', 15003, true);
      const client = await connectTcpInNetns(netns, { host: 'fd00:2::2', port: 8080 });
      expect(await seen).toEqual({ address: 'fd00:2::2', port: 8080, family: 6 });
      closeFd(client);
    });

    it('reports the listener itself for a connection that was not redirected', async () => {
      // Conntrack tracks every connection in a namespace with nat rules, so a
      // direct connection has an entry whose original destination is the
      // listener: ztunnel must compare against its own address (upstream's
      // "recursive call to ourselves" check) rather than expect an error.
      const { seen } = await capture('127.0.0.1', 15004);
      const client = await connectTcpInNetns(netns, { host: '127.0.0.1', port: 15004 });
      expect(await seen).toEqual({ address: '127.0.0.1', port: 15004, family: 4 });
      closeFd(client);
    });

    it('fails with ENOENT and a hint where no connection tracking runs', async () => {
      const plain = lab.addNamespace('odst-plain');
      const plainFd = openNetns({ path: `/var/run/netns/${plain}` });
      try {
        const fd = listenTcpInNetns(plainFd, { host: '127.0.0.1', port: 0 });
        const { port } = localAddressOf(fd);
        let result: unknown;
        const server = createServer((socket) => {
          try {
            result = getOriginalDst(socketFd(socket));
          } catch (error) {
            result = error;
          }
          socket.destroy();
        });
        servers.push(server);
        server.listen({ fd });
        await once(server, 'listening');
        const accepted = once(server, 'connection');
        const client = await connectTcpInNetns(plainFd, { host: '127.0.0.1', port });
        await accepted;
        closeFd(client);
        const error = expectInstance(result, SyscallError);
        expect(error.code).toBe('ENOENT');
        expect(error.syscall).toBe('getsockopt(SO_ORIGINAL_DST)');
        expect(error.message).toContain('REDIRECT');
      } finally {
        closeFd(plainFd);
      }
    });

    it('needs a socket fd, not a listener or other fd', () => {
      const fd = listenTcpInNetns(netns, { host: '127.0.0.1', port: 0 });
      expect(localAddressOf(fd).port).toBeGreaterThan(0);
      try {
        const error = expectInstance(
          (() => {
            try {
              getOriginalDst(fd);
            } catch (e) {
              return e;
            }
            return undefined;
          })(),
          SyscallError,
        );
        // A listener has no peer and no NAT entry.
        expect(['ENOTCONN', 'ENOENT']).toContain(error.code);
      } finally {
        closeFd(fd);
      }
    });
  },
);
