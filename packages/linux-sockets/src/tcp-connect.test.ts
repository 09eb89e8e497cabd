import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectInstance, rejectionOf } from '../test/expect-instance.js';
import { NetnsLab, netnsUnavailableReason } from '../test/netns-fixture.js';
import { closeServer, readAllFromFd, serveText } from '../test/servers.js';
import {
  closeFd,
  ConnectAbortedError,
  connectTcpInNetns,
  InvalidArgumentError,
  listenTcpInNetns,
  localAddressOf,
  openNetns,
  SyscallError,
  type NetnsFd,
} from './index.js';

async function localServer(reply: string): Promise<{ server: Server; port: number }> {
  const fd = listenTcpInNetns(null, { host: '127.0.0.1', port: 0 });
  const server = await serveText(fd, reply);
  return { server, port: localAddressOf(fd).port };
}

/** A port with nothing listening on it (bound, read, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await closeServer(server);
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe.runIf(process.platform === 'linux')('outbound TCP in the caller’s namespace', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(closeServer));
  });

  it('resolves with a connected fd that net.Socket adopts', async () => {
    const { server, port } = await localServer('hello');
    servers.push(server);
    const fd = await connectTcpInNetns(null, { host: '127.0.0.1', port });
    expect(localAddressOf(fd).address).toBe('127.0.0.1');
    expect(await readAllFromFd(fd)).toBe('hello');
  });

  it('rejects with ECONNREFUSED when nothing listens', async () => {
    const port = await closedPort();
    const error = expectInstance(
      await rejectionOf(connectTcpInNetns(null, { host: '127.0.0.1', port })),
      SyscallError,
    );
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.syscall).toBe('connect');
    expect(error.message).toContain(`connect to 127.0.0.1:${port}`);
  });

  it('rejects bad arguments before creating a socket', async () => {
    expectInstance(
      await rejectionOf(connectTcpInNetns(null, { host: 'example.com', port: 80 })),
      InvalidArgumentError,
    );
    expectInstance(
      await rejectionOf(connectTcpInNetns(null, { host: '127.0.0.1', port: 0 })),
      InvalidArgumentError,
    );
    const mixed = expectInstance(
      await rejectionOf(
        connectTcpInNetns(null, { host: '::1', port: 80, localAddress: '127.0.0.1' }),
      ),
      InvalidArgumentError,
    );
    expect(mixed.message).toContain('is IPv4 but the destination ::1 is IPv6');
  });

  it('rejects at once when the signal is already aborted', async () => {
    const error = await rejectionOf(
      connectTcpInNetns(null, {
        host: '127.0.0.1',
        port: 9,
        signal: AbortSignal.abort(new Error('shutdown')),
      }),
    );
    expect(expectInstance(error, ConnectAbortedError).cause).toEqual(new Error('shutdown'));
  });
});

const skipped = netnsUnavailableReason !== undefined;

describe.skipIf(skipped)(
  `outbound TCP inside a network namespace${skipped ? ` (skipped: ${netnsUnavailableReason})` : ''}`,
  () => {
    let lab: NetnsLab;
    let ns: string;
    let netns: NetnsFd;
    let peerFd: NetnsFd;
    let peerServer: Server;

    beforeAll(async () => {
      lab = new NetnsLab();
      ns = lab.addNamespace('conn');
      const peer = lab.addNamespace('conn-peer');
      lab.link(
        { ns, cidr: '198.18.4.1/24', cidr6: 'fd00:4::1/64' },
        { ns: peer, cidr: '198.18.4.2/24', cidr6: 'fd00:4::2/64' },
      );
      // A black hole: SYNs to 198.18.4.2:9 are dropped, so those connects stay pending.
      lab.iptables(ns, [
        '-A',
        'OUTPUT',
        '-p',
        'tcp',
        '-d',
        '198.18.4.2',
        '--dport',
        '9',
        '-j',
        'DROP',
      ]);
      netns = openNetns({ path: `/var/run/netns/${ns}` });
      peerFd = openNetns({ path: `/var/run/netns/${peer}` });
      peerServer = await serveText(
        listenTcpInNetns(peerFd, { host: '::', port: 7000 }),
        (s) => `peer saw ${s.remoteAddress}`,
      );
    });
    afterAll(async () => {
      try {
        await closeServer(peerServer);
        closeFd(netns);
        closeFd(peerFd);
      } finally {
        lab.cleanup();
      }
    });

    /** Sockets of the namespace still trying to connect. */
    function synSent(): string {
      return lab.execSync(ns, 'ss', ['-Htn', 'state', 'syn-sent']).trim();
    }

    it('creates the socket inside the namespace (its address and routes)', async () => {
      const fd = await connectTcpInNetns(netns, { host: '198.18.4.2', port: 7000 });
      expect(localAddressOf(fd).address).toBe('198.18.4.1');
      expect(await readAllFromFd(fd)).toBe('peer saw ::ffff:198.18.4.1');
      const fd6 = await connectTcpInNetns(netns, { host: 'fd00:4::2', port: 7000 });
      expect(localAddressOf(fd6)).toMatchObject({ address: 'fd00:4::1', family: 6 });
      expect(await readAllFromFd(fd6)).toBe('peer saw fd00:4::1');
    });

    it('keeps the event loop running while a connect is pending, then times out with ETIMEDOUT', async () => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 50);
      const started = performance.now();
      const error = expectInstance(
        await rejectionOf(
          connectTcpInNetns(netns, { host: '198.18.4.2', port: 9, timeoutMs: 1500 }),
        ),
        SyscallError,
      );
      const elapsed = performance.now() - started;
      clearInterval(timer);
      expect(error.code).toBe('ETIMEDOUT');
      expect(error.message).toContain('within 1500 ms');
      expect(elapsed).toBeGreaterThanOrEqual(1490);
      expect(ticks).toBeGreaterThanOrEqual(20); // ~30 expected: the loop was never blocked
      expect(synSent()).toBe(''); // the half-open socket was closed, not leaked
    });

    it('aborts a pending connect through its AbortSignal', async () => {
      const controller = new AbortController();
      const pending = connectTcpInNetns(netns, {
        host: '198.18.4.2',
        port: 9,
        signal: controller.signal,
      });
      setTimeout(() => {
        controller.abort(new Error('drain'));
      }, 100);
      expect(synSent()).toContain('198.18.4.2:9');
      const error = expectInstance(await rejectionOf(pending), ConnectAbortedError);
      expect(error.message).toContain('198.18.4.2:9');
      expect(synSent()).toBe('');
    });

    it('reports an unroutable destination inside the namespace', async () => {
      // The namespace has no default route, so anything off-link is unreachable from it.
      const error = expectInstance(
        await rejectionOf(connectTcpInNetns(netns, { host: '198.18.99.1', port: 80 })),
        SyscallError,
      );
      expect(error.code).toBe('ENETUNREACH');
      expect(error.message).toContain('ip route');
    });
  },
);
