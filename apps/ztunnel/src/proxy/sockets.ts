// Socket operations inside pod network namespaces, as an interface so the
// proxies stay testable: every socket ztunnel opens in a pod carries the
// packet mark (0x539) that the in-pod rules skip, so ztunnel never captures
// its own traffic.

import { Socket } from 'node:net';
import {
  bindUdpInNetns,
  connectTcpInNetns,
  getOriginalDst,
  listenTcpInNetns,
  socketFd,
  type NetnsFd,
} from '@ambient-ts/linux-sockets';
import { requireIp, type IpAddr } from '@ambient-ts/workload-state';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /** IP_TRANSPARENT: accept for / answer from addresses the pod does not own. */
  readonly transparent?: boolean;
  readonly reusePort?: boolean;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Bind to this source (with transparent: the original client's IP, which the pod does not own). */
  readonly localAddress?: string;
  readonly transparent?: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface PodSockets {
  /** A listening TCP fd inside the pod, for net.Server.listen({fd}). */
  listenTcp(netns: NetnsFd, o: ListenOptions): number;
  /** A bound UDP fd inside the pod, for dgram bind({fd}). */
  bindUdp(netns: NetnsFd, o: ListenOptions): number;
  /** A connected, marked TCP socket opened from inside the pod. */
  connectTcp(netns: NetnsFd, o: ConnectOptions): Promise<Socket>;
  /** Where a redirected connection was going (SO_ORIGINAL_DST). */
  originalDst(socket: Socket): { readonly ip: IpAddr; readonly port: number };
}

export function linuxPodSockets(mark: number): PodSockets {
  return {
    listenTcp(netns, o) {
      return listenTcpInNetns(netns, {
        host: o.host,
        port: o.port,
        mark,
        ...(o.transparent ? { transparent: true } : {}),
        ...(o.reusePort ? { reusePort: true } : {}),
        backlog: 1024,
      });
    },
    bindUdp(netns, o) {
      return bindUdpInNetns(netns, {
        host: o.host,
        port: o.port,
        mark,
        ...(o.reusePort ? { reusePort: true } : {}),
      });
    },
    async connectTcp(netns, o) {
      const fd = await connectTcpInNetns(netns, {
        host: o.host,
        port: o.port,
        mark,
        ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
        ...(o.transparent ? { transparent: true, freebind: true } : {}),
        ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      });
      const s = new Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
      s.setNoDelay(true);
      return s;
    },
    originalDst(socket) {
      const a = getOriginalDst(socketFd(socket));
      return { ip: requireIp(a.address, 'SO_ORIGINAL_DST'), port: a.port };
    },
  };
}
