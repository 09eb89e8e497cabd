// Fuzz: what a pod can send its ztunnel's DNS proxy (15053, UDP and TCP) —
// well-formed queries for mesh and outside names of any record type, mutated
// queries, and any bytes. The real PodDnsServer runs on loopback (its sockets
// made by the real linux-sockets addon in this process's own network
// namespace, port 0) with a stand-in upstream resolver that answers at once.
// Every datagram must get exactly one reply and nothing may reject unhandled:
// a packet that kills or silences the proxy is a denial of service for every
// pod on the node.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import {
  bindUdpInNetns,
  closeFd,
  listenTcpInNetns,
  localAddressOf,
  openNetns,
  type NetnsFd,
} from '@ambient-ts/linux-sockets';
import { testService, testWorkload, storeWith } from '@ambient-ts/workload-state/testing';
import { fuzz, fuzzTimeoutMs } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodContext } from '../proxy/context.js';
import type { PodSockets } from '../proxy/sockets.js';
import type { Logger } from '../telemetry/logging.js';
import { PodDnsServer } from './dns-proxy.js';

const quiet: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  isLevelEnabled: () => false,
};

let netns: NetnsFd;
let server: PodDnsServer;
let upstream: UdpSocket;
let client: UdpSocket;
let proxyPort = 0;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  netns = openNetns({ pid: process.pid });
  // The stand-in resolver: answers every forwarded query with the query itself.
  upstream = createSocket('udp4');
  upstream.on('message', (msg, r) => {
    upstream.send(msg, r.port, r.address);
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
  const sockets: PodSockets = {
    bindUdp: (ns, o) => {
      const fd = bindUdpInNetns(ns, { host: o.host, port: 0 });
      if (o.host === '127.0.0.1' && proxyPort === 0) proxyPort = localAddressOf(fd).port;
      return fd;
    },
    listenTcp: (ns, o) => listenTcpInNetns(ns, { host: o.host, port: 0, backlog: 16 }),
    connectTcp: () => Promise.reject(new Error('not used')),
    originalDst: () => {
      throw new Error('not used');
    },
  };
  const client0 = testWorkload('client', '10.0.0.1');
  const { state } = storeWith(
    [client0],
    [testService('svc', '10.96.0.1', { 80: 8080 }), testService('headless', undefined, {})],
  );
  const pod = { netns, currentWorkload: () => client0 } as unknown as PodContext;
  server = new PodDnsServer(pod, {
    state,
    sockets,
    upstreams: [`127.0.0.1:${upstream.address().port}`],
    clusterDomain: 'cluster.local',
    reusePort: false,
    log: quiet,
  });
  server.start();
  client = createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
});

afterAll(() => {
  server.close();
  upstream.close();
  client.close();
  closeFd(netns);
  process.off('unhandledRejection', onUnhandled);
});

const TYPES = [
  'A',
  'AAAA',
  'CNAME',
  'TXT',
  'SRV',
  'PTR',
  'MX',
  'NS',
  'SOA',
  'ANY',
  'OPT',
  'CAA',
  'NULL',
] as const;
const name = fc.oneof(
  fc.constantFrom(
    'svc',
    'svc.default',
    'svc.default.svc',
    'svc.default.svc.cluster.local',
    'headless',
    'example.com',
    '',
    '.',
    'a..b',
    'x'.repeat(63),
    `${'y'.repeat(60)}.`.repeat(5),
  ),
  fc.domain(),
  fc.string({ maxLength: 30 }),
);
const query = fc
  .record({
    id: fc.integer({ min: 0, max: 65535 }),
    type: fc.constantFrom(...TYPES),
    name,
    qtype: fc.integer({ min: 0, max: 65535 }),
    raw: fc.boolean(),
  })
  .map((q) => {
    try {
      const bytes = dnsPacket.encode({
        id: q.id,
        type: 'query',
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: q.type as 'A', name: q.name, class: 'IN' }],
      });
      // Now and then an unknown type number instead of a named one.
      if (q.raw && bytes.length >= 4) bytes.writeUInt16BE(q.qtype, bytes.length - 4);
      return bytes;
    } catch {
      return Buffer.from([q.id >> 8, q.id & 255]);
    }
  });
const datagram = fc.oneof(
  query,
  fc.tuple(query, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, at, v]) => {
    const c = Buffer.from(b);
    c[at % c.length] = v;
    return c;
  }),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)),
);

function ask(msg: Buffer): Promise<Buffer | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      resolve('timeout');
    }, 2000);
    const onMessage = (reply: Buffer) => {
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(reply);
    };
    client.on('message', onMessage);
    client.send(msg, proxyPort, '127.0.0.1');
  });
}

describe('ztunnel DNS proxy on hostile packets (fuzz)', () => {
  it(
    'answers every datagram once and never rejects unhandled',
    () =>
      fuzz(
        'ztunnel: DNS packet → proxy',
        fc.asyncProperty(datagram, async (msg) => {
          const reply = await ask(msg);
          await new Promise((r) => setImmediate(r));
          expect(unhandled).toEqual([]);
          expect(reply).not.toBe('timeout');
        }),
        { runs: 200 },
      ),
    fuzzTimeoutMs(),
  );
});
