// The DNS proxy of one pod, on 127.0.0.1:15053 (UDP and TCP) inside the pod's
// netns, where the in-pod rules send the pod's port-53 traffic. A and AAAA
// names of mesh services are answered from the registry; everything else is
// forwarded to the upstream resolver from a marked socket inside the pod (so
// the rules let it out), and any failure becomes SERVFAIL.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import { closeFd } from '@ambient-ts/linux-sockets';
import type { PodContext } from '../proxy/context.js';
import type { PodSockets } from '../proxy/sockets.js';
import type { ProxyState } from '@ambient-ts/workload-state';
import type { Logger } from '../telemetry/logging.js';
import { answerQuery, DNS_TTL_SECONDS } from './dns-answer.js';

export const DNS_PROXY_PORT = 15053;
const UPSTREAM_TIMEOUT_MS = 5000;

export interface DnsProxyOptions {
  readonly state: ProxyState;
  readonly sockets: PodSockets;
  /** Resolvers to forward to, `ip` or `ip:port` (ztunnel's own resolv.conf). */
  readonly upstreams: readonly string[];
  readonly clusterDomain: string;
  /** SO_REUSEPORT, as on every in-pod listener, so a new ztunnel can bind before the old one leaves. */
  readonly reusePort: boolean;
  readonly log: Logger;
  readonly random?: () => number;
}

function hostPort(s: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(s);
  return m && !s.includes('::') ? { host: m[1] ?? s, port: Number(m[2]) } : { host: s, port: 53 };
}

export class PodDnsServer {
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;

  constructor(
    private readonly pod: PodContext,
    private readonly o: DnsProxyOptions,
  ) {}

  start(): void {
    const udpFd = this.o.sockets.bindUdp(this.pod.netns, {
      host: '127.0.0.1',
      port: DNS_PROXY_PORT,
      reusePort: this.o.reusePort,
    });
    let tcpFd: number;
    try {
      tcpFd = this.o.sockets.listenTcp(this.pod.netns, {
        host: '127.0.0.1',
        port: DNS_PROXY_PORT,
        reusePort: this.o.reusePort,
      });
    } catch (err) {
      closeFd(udpFd);
      throw err;
    }
    const udp = createSocket('udp4');
    udp.bind({ fd: udpFd });
    udp.on('message', (msg, rinfo) => {
      void this.#resolve(msg).then((reply) => {
        udp.send(reply, rinfo.port, rinfo.address);
      });
    });
    udp.on('error', (err) => {
      this.o.log.warn({ err: err.message }, 'DNS proxy UDP error');
    });
    this.#udp = udp;
    this.#tcp = createServer((s) => {
      this.#serveTcp(s);
    }).listen({ fd: tcpFd });
  }

  close(): void {
    this.#udp?.close();
    this.#tcp?.close();
  }

  #serveTcp(s: Socket): void {
    let buf = Buffer.alloc(0);
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        void this.#resolve(msg).then((reply) => {
          const out = Buffer.alloc(2 + reply.length);
          out.writeUInt16BE(reply.length, 0);
          reply.copy(out, 2);
          if (!s.destroyed) s.write(out);
        });
      }
    });
  }

  async #resolve(msg: Buffer): Promise<Buffer> {
    let query: Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return msg.length >= 2 ? failure(msg.readUInt16BE(0), 'FORMERR') : Buffer.alloc(0);
    }
    const q = query.questions?.[0];
    const client = this.pod.currentWorkload();
    if (client && q && (q.type === 'A' || q.type === 'AAAA')) {
      const d = answerQuery(
        this.o.state,
        client,
        { name: q.name, type: q.type },
        this.o.clusterDomain,
        this.o.random ?? Math.random,
      );
      if (d.kind === 'answer') {
        return dnsPacket.encode({
          id: query.id ?? 0,
          type: 'response',
          flags:
            dnsPacket.RECURSION_DESIRED |
            dnsPacket.RECURSION_AVAILABLE |
            dnsPacket.AUTHORITATIVE_ANSWER,
          questions: [q],
          answers: d.addresses.map((data) => ({
            type: q.type,
            name: q.name,
            ttl: DNS_TTL_SECONDS,
            class: 'IN',
            data,
          })),
        } as Packet);
      }
    }
    try {
      return await this.#forward(msg);
    } catch (err) {
      this.o.log.debug({ err: (err as Error).message, query: q?.name }, 'DNS upstream failed');
      return failure(query.id ?? 0, 'SERVFAIL', q);
    }
  }

  /** Forwards over UDP (upstream's TCP path is not implemented; TCP clients get UDP-resolved answers). */
  async #forward(msg: Buffer): Promise<Buffer> {
    const upstream = this.o.upstreams[0];
    if (!upstream) throw new Error('no upstream resolver');
    const { host, port } = hostPort(upstream);
    const fd = this.o.sockets.bindUdp(this.pod.netns, {
      host: host.includes(':') ? '::' : '0.0.0.0',
      port: 0,
    });
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.bind({ fd });
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no answer from ${upstream} within ${UPSTREAM_TIMEOUT_MS}ms`));
        }, UPSTREAM_TIMEOUT_MS);
        sock.once('message', (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        sock.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        sock.send(msg, port, host);
      });
    } finally {
      sock.close();
    }
  }
}

function failure(
  id: number,
  rcode: 'SERVFAIL' | 'FORMERR',
  question?: Packet['questions'] extends (infer Q)[] | undefined ? Q : never,
): Buffer {
  const code = rcode === 'SERVFAIL' ? 2 : 1;
  return dnsPacket.encode({
    id,
    type: 'response',
    flags: dnsPacket.RECURSION_AVAILABLE | code,
    questions: question ? [question] : [],
  });
}
