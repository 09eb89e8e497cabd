// Issue 12 finding 4, DNS half: a process inside an enrolled pod floods the
// pod's DNS proxy so that it holds an upstream socket per query (UDP), per
// pipelined query (TCP) and per TCP connection. The proxy runs for real in a
// network namespace of its own (root), forwarding to a resolver there that
// never answers; each test counts the file descriptors the proxy holds.

import { execFileSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import {
  bindUdpInNetns,
  closeFd,
  connectTcpInNetns,
  openNetns,
  type NetnsFd,
} from '@ambient-ts/linux-sockets';
import { recordAttack } from '@ambient-ts/security-table';
import { createStateStore } from '@ambient-ts/workload-state';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PodContext } from '../proxy/context.js';
import { linuxPodSockets } from '../proxy/sockets.js';
import type { Logger } from '../telemetry/logging.js';
import { DEFAULT_DNS_PROXY_LIMITS } from './dns-limits.js';
import { DNS_PROXY_PORT, PodDnsServer } from './dns-proxy.js';

const FINDING = '12.4 caps';
const root = process.platform === 'linux' && process.getuid?.() === 0;
const NETNS = `ztl${process.pid.toString(36)}-dnscaps`;

const quiet: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  isLevelEnabled: () => false,
};

function query(id: number): Buffer {
  return dnsPacket.encode({
    id,
    type: 'query',
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name: `q${id}.example.org` }],
  });
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!root)(
  `DNS proxy bounds${root ? '' : ' (skipped: needs root for a network namespace)'}`,
  () => {
    let netns: NetnsFd;
    let blackhole: UdpSocket;
    let proxy: PodDnsServer;
    const cleanups: (() => unknown)[] = [];

    beforeAll(async () => {
      execFileSync('ip', ['netns', 'add', NETNS]);
      execFileSync('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
      netns = openNetns({ path: `/var/run/netns/${NETNS}` });
      // The upstream resolver: receives every forwarded query, answers none.
      blackhole = createSocket('udp4');
      await new Promise<void>((r) => {
        blackhole.bind({ fd: bindUdpInNetns(netns, { host: '127.0.0.1', port: 0 }) }, r);
      });
    });

    afterAll(() => {
      blackhole.close();
      closeFd(netns);
      execFileSync('ip', ['netns', 'del', NETNS]);
    });

    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
      proxy.close();
      await sleep(50);
    });

    function startProxy(): PodDnsServer {
      const pod: PodContext = {
        info: { uid: 'u1', name: 'attacker', namespace: 'default', serviceAccount: 'default' },
        netns,
        pool: undefined as never,
        localWorkload: () => Promise.reject(new Error('not needed: every query is forwarded')),
        currentWorkload: () => undefined,
      };
      proxy = new PodDnsServer(pod, {
        state: createStateStore().state,
        sockets: linuxPodSockets(0x539),
        upstreams: [`127.0.0.1:${blackhole.address().port}`],
        clusterDomain: 'cluster.local',
        reusePort: false,
        log: quiet,
      });
      proxy.start();
      return proxy;
    }

    it('answers SERVFAIL at once beyond maxInflightForwards instead of holding a socket per query', async () => {
      startProxy();
      const client = createSocket('udp4');
      client.bind({ fd: bindUdpInNetns(netns, { host: '127.0.0.1', port: 0 }) });
      cleanups.push(() => {
        client.close();
      });
      let servfail = 0;
      client.on('message', (m) => {
        if ((dnsPacket.decode(m).flags ?? 0) % 16 === 2) servfail += 1;
      });
      const fds0 = openFds();
      const sent = 2000;
      // In batches, so the proxy's receive buffer never drops a query.
      for (let i = 0; i < sent; i += 50) {
        for (let j = i; j < i + 50; j++) client.send(query(j), DNS_PROXY_PORT, '127.0.0.1');
        await sleep(5);
      }
      const cap = DEFAULT_DNS_PROXY_LIMITS.maxInflightForwards;
      // Well within the 5 s upstream timeout: every SERVFAIL here was immediate.
      for (let waited = 0; servfail < sent - cap && waited < 2000; waited += 50) await sleep(50);
      const held = openFds() - fds0;
      const inflight = proxy.inflightForwards;

      expect(held).toBeLessThanOrEqual(cap + 8);
      expect(inflight).toBe(cap);
      // Loopback UDP may drop a few datagrams under a shared CPU; the old proxy answered none.
      expect(servfail).toBeGreaterThanOrEqual(sent - cap - 20);
      recordAttack({
        finding: FINDING,
        attack: 'DNS proxy: UDP query flood to a silent upstream',
        sent: `${sent} UDP queries for external names from one pod`,
        happened: `${inflight} forwarded (+${held} fds held); ${servfail} answered SERVFAIL at once`,
      });
    });

    it('stops reading a TCP connection with maxPipelinedPerConnection queries unanswered', async () => {
      startProxy();
      const fd = await connectTcpInNetns(netns, { host: '127.0.0.1', port: DNS_PROXY_PORT });
      const s = new Socket({ fd, readable: true, writable: true });
      s.on('error', () => undefined);
      cleanups.push(() => s.destroy());
      const fds0 = openFds();
      const sent = 2000;
      const framed = Buffer.concat(
        Array.from({ length: sent }, (_, i) => {
          const q = query(i);
          const out = Buffer.alloc(2 + q.length);
          out.writeUInt16BE(q.length, 0);
          q.copy(out, 2);
          return out;
        }),
      );
      s.write(framed);
      await sleep(300);
      const held = openFds() - fds0;
      const inflight = proxy.inflightForwards;
      const cap = DEFAULT_DNS_PROXY_LIMITS.maxPipelinedPerConnection;

      expect(held).toBeLessThanOrEqual(cap + 4);
      expect(inflight).toBe(cap);
      recordAttack({
        finding: FINDING,
        attack: 'DNS proxy: TCP pipelining flood',
        sent: `${sent} pipelined queries on one TCP connection, upstream silent`,
        happened: `${inflight} forwarded (+${held} fds held); the rest left unread in the socket`,
      });
    });

    it('closes TCP connections beyond maxTcpConnections at accept', async () => {
      startProxy();
      const cap = DEFAULT_DNS_PROXY_LIMITS.maxTcpConnections;
      const attempts = cap + 36;
      const sockets = await Promise.all(
        Array.from({ length: attempts }, async () => {
          const fd = await connectTcpInNetns(netns, { host: '127.0.0.1', port: DNS_PROXY_PORT });
          const s = new Socket({ fd, readable: true, writable: true });
          s.on('error', () => undefined);
          cleanups.push(() => s.destroy());
          return s;
        }),
      );
      const closedByProxy = await Promise.all(
        sockets.map(
          (s) =>
            new Promise<boolean>((resolve) => {
              const t = setTimeout(() => {
                resolve(false);
              }, 500);
              s.once('close', () => {
                clearTimeout(t);
                resolve(true);
              });
              s.resume();
            }),
        ),
      );
      const refused = closedByProxy.filter(Boolean).length;

      expect(refused).toBe(attempts - cap);
      recordAttack({
        finding: FINDING,
        attack: 'DNS proxy: TCP connection flood',
        sent: `${attempts} TCP connections to one pod's DNS proxy`,
        happened: `${attempts - refused} kept; ${refused} closed by the proxy at accept`,
      });
    });
  },
);
