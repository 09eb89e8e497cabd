// What every connection the in-pod rules redirected to ztunnel (15001
// outbound, 15006 plaintext inbound) must establish before routing: who sent
// it, where it was going (SO_ORIGINAL_DST), and which workload the pod is.
// A connection missing any of these is logged and closed.

import type { Socket } from 'node:net';
import { parseIp, socketAddr, type IpAddr, type Workload } from '@ambient-ts/workload-state';
import { logEarlyFailure } from '../telemetry/connection-result.js';
import type { PodContext, ProxyContext } from './context.js';

export interface CapturedConnection {
  readonly src: { readonly ip: IpAddr; readonly addr: string };
  readonly dst: { readonly ip: IpAddr; readonly port: number };
  /** `ip:port` of the original destination. */
  readonly dstAddr: string;
  readonly local: Workload;
}

export function peerAddress(socket: Socket): { ip: IpAddr; addr: string } {
  const ip = parseIp(socket.remoteAddress ?? '') ?? ('0.0.0.0' as IpAddr);
  return { ip, addr: socketAddr(ip, socket.remotePort ?? 0) };
}

/** The connection's facts, or undefined after logging and closing it. */
export async function acceptCaptured(
  ctx: ProxyContext,
  pod: PodContext,
  socket: Socket,
  direction: 'inbound' | 'outbound',
): Promise<CapturedConnection | undefined> {
  socket.setNoDelay(true);
  socket.on('error', () => undefined); // reported through the relay
  const src = peerAddress(socket);
  let dst: { ip: IpAddr; port: number };
  try {
    dst = ctx.sockets.originalDst(socket);
  } catch (err) {
    logEarlyFailure(ctx.accessLog, src.addr, '?', direction, (err as Error).message);
    socket.destroy();
    return undefined;
  }
  const dstAddr = socketAddr(dst.ip, dst.port);
  try {
    return { src, dst, dstAddr, local: await pod.localWorkload() };
  } catch (err) {
    logEarlyFailure(ctx.accessLog, src.addr, dstAddr, direction, (err as Error).message);
    socket.destroy();
    return undefined;
  }
}
