// The DNS proxy of one pod, on 127.0.0.1:15053 (UDP and TCP) inside the pod's
// netns, where the in-pod rules send the pod's port-53 traffic. A and AAAA
// names of mesh services are answered from the registry; everything else is
// forwarded to the upstream resolver from a marked socket inside the pod (so
// the rules let it out), and any failure becomes SERVFAIL. Forwards in flight,
// TCP connections and queries pipelined on one are bounded (dns-limits.ts).

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import { closeFd } from '@ambient-ts/linux-sockets';
import type { PodContext } from '../proxy/context.js';
import type { PodSockets } from '../proxy/sockets.js';
import type { ProxyState } from '@ambient-ts/workload-state';
import type { Logger } from '../telemetry/logging.js';
import { answerQuery, DNS_TTL_SECONDS } from './dns-answer.js';
import { resolveDnsProxyLimits, type DnsProxyLimits } from './dns-limits.js';

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
  /** Unset fields keep DEFAULT_DNS_PROXY_LIMITS. */
  readonly limits?: Partial<DnsProxyLimits>;
}

function hostPort(s: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(s);
  return m && !s.includes('::') ? { host: m[1] ?? s, port: Number(m[2]) } : { host: s, port: 53 };
}

export class PodDnsServer {
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;
  readonly #limits: DnsProxyLimits;
  /** Queries being forwarded upstream now, each holding a socket. */
  #inflight = 0;
  /** Queries answered SERVFAIL because maxInflightForwards were in flight. */
  shed = 0;

  constructor(
    private readonly pod: PodContext,
    private readonly o: DnsProxyOptions,
  ) {
    this.#limits = resolveDnsProxyLimits(o.limits);
  }

  /** Forwards in flight now (each holds one upstream socket). */
  get inflightForwards(): number {
    return this.#inflight;
  }

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
      this.#reply(msg, (reply) => {
        udp.send(reply, rinfo.port, rinfo.address, (err) => {
          if (err) this.o.log.debug({ err: err.message }, 'DNS proxy: UDP reply not sent');
        });
      });
    });
    udp.on('error', (err) => {
      this.o.log.warn({ err: err.message }, 'DNS proxy UDP error');
    });
    this.#udp = udp;
    const tcp = createServer((s) => {
      this.#serveTcp(s);
    });
    // Beyond it Node closes a new connection right after accept.
    tcp.maxConnections = this.#limits.maxTcpConnections;
    tcp.on('drop', () => {
      this.o.log.debug(
        { cap: this.#limits.maxTcpConnections },
        'DNS proxy: TCP connection refused, maxTcpConnections reached',
      );
    });
    this.#tcp = tcp.listen({ fd: tcpFd });
  }

  close(): void {
    this.#udp?.close();
    this.#tcp?.close();
  }

  /**
   * Resolves one query, hands the reply to `send`, then calls `done`; never
   * rejects. A bug while resolving is logged and answered SERVFAIL, a failed
   * send is logged: no query path ends in an unhandled rejection.
   */
  #reply(msg: Buffer, send: (reply: Buffer) => void, done: () => void = () => undefined): void {
    const why = (err: unknown): string => (err instanceof Error ? err.message : String(err));
    this.#resolve(msg)
      .catch((err: unknown) => {
        this.o.log.warn({ err: why(err) }, 'DNS proxy: resolving a query failed');
        return msg.length >= 2 ? failure(msg.readUInt16BE(0), 'SERVFAIL') : Buffer.alloc(0);
      })
      .then(send)
      .catch((err: unknown) => {
        this.o.log.debug({ err: why(err) }, 'DNS proxy: reply not sent');
      })
      .finally(done)
      .catch(() => undefined);
  }

  /**
   * RFC 7766 framing: 2-byte length, then the message. At most
   * maxPipelinedPerConnection queries of one connection are unanswered at
   * once; beyond that the socket is paused (TCP flow control then holds the
   * client back) and read again as answers go out.
   */
  #serveTcp(s: Socket): void {
    let buf: Buffer = Buffer.alloc(0);
    let unanswered = 0;
    const cap = this.#limits.maxPipelinedPerConnection;
    s.on('error', () => undefined);
    s.setTimeout(this.#limits.tcpIdleTimeoutMs, () => {
      s.destroy();
    });
    const send = (reply: Buffer): void => {
      const out = Buffer.alloc(2 + reply.length);
      out.writeUInt16BE(reply.length, 0);
      reply.copy(out, 2);
      if (!s.destroyed) s.write(out);
    };
    const answered = (): void => {
      unanswered -= 1;
      if (s.destroyed) return;
      parse();
      if (unanswered < cap) s.resume();
    };
    const parse = (): void => {
      while (unanswered < cap && buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        unanswered += 1;
        this.#reply(msg, send, answered);
      }
      if (unanswered >= cap) s.pause();
    };
    s.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      parse();
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
    if (this.#inflight >= this.#limits.maxInflightForwards) {
      // Every forward holds a socket for up to UPSTREAM_TIMEOUT_MS: shed load
      // instead of holding one per query a pod (or an attacker in it) sends.
      this.shed += 1;
      this.o.log.debug(
        { query: q?.name, cap: this.#limits.maxInflightForwards },
        'DNS proxy: maxInflightForwards reached; answering SERVFAIL',
      );
      return failure(query.id ?? 0, 'SERVFAIL', q);
    }
    this.#inflight += 1;
    try {
      return await this.#forward(msg);
    } catch (err) {
      this.o.log.debug({ err: (err as Error).message, query: q?.name }, 'DNS upstream failed');
      return failure(query.id ?? 0, 'SERVFAIL', q);
    } finally {
      this.#inflight -= 1;
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
