// The proxy of one enrolled pod: listeners created inside the pod's network
// namespace — 15001 outbound, 15006 inbound plaintext, 15008 inbound HBONE,
// 15053 DNS — and the pod's own HBONE connection pool. start() binds every
// socket synchronously (so a bind failure is reported in the ZDS ack); the
// HBONE server starts serving once the pod's workload and certificate have
// arrived (until then clients wait in the listen backlog, as upstream holds
// them).

import { createServer, type Server, type Socket } from 'node:net';
import { HbonePool, type HboneServer, type HboneSettings, type TcpDialer } from '@ambient-ts/hbone';
import { closeFd, type NetnsFd } from '@ambient-ts/linux-sockets';
import { workloadIdentityUri, type Workload } from '@ambient-ts/workload-state';
import {
  LocalWorkloadUnknownError,
  type PodContext,
  type PodInfo,
  type ProxyContext,
} from '../proxy/context.js';
import { createInboundServer } from '../proxy/inbound.js';
import { handleInboundPlaintext } from '../proxy/inbound-passthrough.js';
import { handleOutbound } from '../proxy/outbound.js';

export const OUTBOUND_PORT = 15001;
export const INBOUND_PLAINTEXT_PORT = 15006;
export const INBOUND_HBONE_PORT = 15008;

/** A per-pod DNS proxy (15053). */
export interface PodDnsProxy {
  start(): void;
  close(): void;
}

export interface PodProxyOptions {
  readonly hbone: Partial<HboneSettings>;
  readonly reusePort: boolean;
  /** Starts the pod's DNS proxy on 15053, or undefined when DNS capture is off. */
  readonly dns?: (pod: PodContext) => PodDnsProxy;
}

export class PodProxy implements PodContext {
  readonly pool: HbonePool;
  #servers: Server[] = [];
  #hbone: HboneServer | undefined;
  #hboneFd: number | undefined;
  #dns: PodDnsProxy | undefined;
  #stopRenewal: (() => void) | undefined;
  readonly #abort = new AbortController();
  #stopped: Promise<void> | undefined;

  constructor(
    private readonly ctx: ProxyContext,
    readonly info: PodInfo,
    readonly netns: NetnsFd,
    private readonly options: PodProxyOptions,
  ) {
    const sockets = ctx.sockets;
    const dialer: TcpDialer = (destination, { sourceIp, signal }) =>
      sockets.connectTcp(netns, {
        host: destination.ip,
        port: destination.port,
        ...(sourceIp ? { localAddress: sourceIp } : {}),
        timeoutMs: options.hbone.connectTimeoutMs ?? 10_000,
        signal,
      });
    this.pool = new HbonePool({ settings: options.hbone, dialer, logger: ctx.log });
  }

  currentWorkload(): Workload | undefined {
    return this.ctx.state.localWorkload(this.ctx.nodeName, this.info);
  }

  localWorkload(): Promise<Workload> {
    const now = this.currentWorkload();
    if (now) return Promise.resolve(now);
    const timeoutMs = this.ctx.localWorkloadTimeoutMs;
    return new Promise<Workload>((resolve, reject) => {
      const unsubscribe = this.ctx.state.onChange(() => {
        const w = this.currentWorkload();
        if (!w) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(w);
      });
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new LocalWorkloadUnknownError(this.info, this.ctx.nodeName, timeoutMs));
      }, timeoutMs);
      timer.unref();
    });
  }

  /** Binds every listener in the pod; throws (and leaves nothing open) if one cannot be bound. */
  start(): void {
    const fds: number[] = [];
    try {
      const bind = (port: number): number => {
        const fd = this.#listen(port);
        fds.push(fd);
        return fd;
      };
      const outboundFd = bind(OUTBOUND_PORT);
      const plaintextFd = bind(INBOUND_PLAINTEXT_PORT);
      this.#hboneFd = bind(INBOUND_HBONE_PORT);
      this.#dns = this.options.dns?.(this);
      this.#dns?.start();
      this.#servers = [
        this.#serve(outboundFd, (s) => handleOutbound(this.ctx, this, s)),
        this.#serve(plaintextFd, (s) => handleInboundPlaintext(this.ctx, this, s)),
      ];
    } catch (err) {
      for (const fd of fds) closeFd(fd);
      this.#hboneFd = undefined;
      throw err;
    }
    void this.#startHbone();
  }

  /** Stops accepting now; open connections get until `deadlineMs`, then are closed. */
  stop(deadlineMs: number): Promise<void> {
    this.#stopped ??= this.#stop(deadlineMs);
    return this.#stopped;
  }

  get hboneServing(): boolean {
    return this.#hbone !== undefined;
  }

  async #stop(deadlineMs: number): Promise<void> {
    this.#abort.abort();
    this.#stopRenewal?.();
    this.#dns?.close();
    const closing = this.#servers.map(
      (s) =>
        new Promise<void>((r) =>
          s.close(() => {
            r();
          }),
        ),
    );
    if (this.#hbone) {
      await this.#hbone.close(AbortSignal.timeout(deadlineMs));
    } else if (this.#hboneFd !== undefined) {
      closeFd(this.#hboneFd);
    }
    const deadline = new Promise<void>((r) => setTimeout(r, deadlineMs).unref());
    await Promise.race([Promise.all(closing), deadline]);
    this.ctx.connections.closeAll('connection closed due to connection drain', this.info.uid);
    this.pool.destroy();
    await Promise.all(closing);
    closeFd(this.netns);
  }

  #listen(port: number): number {
    const reusePort = this.options.reusePort;
    try {
      return this.ctx.sockets.listenTcp(this.netns, { host: '::', port, reusePort });
    } catch (err) {
      // A pod with IPv6 disabled cannot bind "::"; fall back to IPv4 only.
      if (!/EAFNOSUPPORT|EADDRNOTAVAIL/.test((err as Error).message)) throw err;
      return this.ctx.sockets.listenTcp(this.netns, { host: '0.0.0.0', port, reusePort });
    }
  }

  #serve(fd: number, handle: (s: Socket) => Promise<void>): Server {
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      handle(socket).catch((err: unknown) => {
        this.ctx.log.warn(
          { pod: this.info.uid, err: (err as Error).message },
          'connection handler failed',
        );
        socket.destroy();
      });
    });
    server.on('error', (err) => {
      this.ctx.log.warn({ pod: this.info.uid, err: err.message }, 'listener error');
    });
    server.listen({ fd });
    return server;
  }

  async #startHbone(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const w = await this.localWorkload();
        const uri = workloadIdentityUri(w);
        const cert = await this.ctx.certs.get(uri);
        if (signal.aborted || this.#hboneFd === undefined) return;
        const server = createInboundServer(this.ctx, this, cert, this.options.hbone);
        await server.start({ fd: this.#hboneFd });
        this.#hbone = server;
        this.#stopRenewal = this.ctx.certs.onRenewed(uri, (c) => {
          server.rotate({ certChainPem: c.certChainPem, keyPem: c.keyPem }, c.roots);
        });
        return;
      } catch (err) {
        if (signal.aborted) return;
        this.ctx.log.warn(
          { pod: this.info.uid, err: (err as Error).message },
          'inbound HBONE not serving yet; retrying',
        );
        await new Promise((r) => setTimeout(r, 1000).unref());
      }
    }
  }
}
