// Inbound plaintext (:15006 inside the pod): TCP that reached the pod without
// HBONE was REDIRECTed here. Policy runs without an identity (so principal and
// namespace rules cannot allow it), then we connect to the original
// destination from the client's own IP.

import type { Socket } from 'node:net';
import { relay } from '@ambient-ts/hbone';
import { ConnectionResult, logEarlyFailure } from '../telemetry/connection-result.js';
import type { PodContext, ProxyContext } from './context.js';
import { decideInbound } from './inbound-decision.js';
import { acceptCaptured } from './captured-connection.js';

export async function handleInboundPlaintext(
  ctx: ProxyContext,
  pod: PodContext,
  socket: Socket,
): Promise<void> {
  const captured = await acceptCaptured(ctx, pod, socket, 'inbound');
  if (!captured) return;
  const { src, dst, dstAddr, local } = captured;
  const verdict = decideInbound({
    state: ctx.state,
    local,
    localIp: dst.ip,
    peer: undefined,
    srcIp: src.ip,
    target: dst,
    enforceWaypoint: ctx.enforceWaypoint,
  });
  if (!verdict.allow && verdict.flag !== 'DENY') {
    logEarlyFailure(ctx.accessLog, src.addr, dstAddr, 'inbound', verdict.reason);
    socket.resetAndDestroy();
    return;
  }
  const source = ctx.state.workloadByAddress({ network: local.network, address: src.ip });
  const result = new ConnectionResult(
    {
      src: src.addr,
      dst: dstAddr,
      ...(source ? { srcName: source.name } : {}),
      dstName: local.name,
    },
    {
      reporter: 'destination',
      ...(source ? { source } : {}),
      destination: local,
      ...(verdict.allow && verdict.service ? { destinationService: verdict.service } : {}),
      securityPolicy: 'unknown',
    },
    ctx.metrics,
    ctx.accessLog,
  );
  if (!verdict.allow) {
    result.record(verdict.reason, verdict.flag);
    socket.resetAndDestroy();
    return;
  }
  let upstream: Socket;
  try {
    upstream = await ctx.sockets.connectTcp(pod.netns, {
      host: dst.ip,
      port: dst.port,
      localAddress: src.ip,
      transparent: true,
      timeoutMs: 10_000,
    });
  } catch (err) {
    result.record(err as Error, 'CONNECT');
    socket.resetAndDestroy();
    return;
  }
  const r = relay(socket, upstream);
  let closeReason: { reason: string; flag: '-' | 'DENY' } | undefined;
  const untrack = ctx.connections.track({
    podUid: pod.info.uid,
    direction: 'inbound',
    src: src.addr,
    originalDst: dstAddr,
    actualDst: dstAddr,
    protocol: 'TCP',
    authorization: {
      workloadUid: local.uid,
      peer: undefined,
      srcIp: src.ip,
      dstIp: dst.ip,
      port: dst.port,
    },
    close(reason, flag) {
      closeReason = { reason, flag };
      r.abort(new Error(reason));
    },
    flush() {
      result.syncBytes(r.stats.aToB, r.stats.bToA);
    },
  });
  const stats = await r.done;
  untrack();
  result.syncBytes(stats.aToB, stats.bToA);
  if (closeReason) result.record(closeReason.reason, closeReason.flag);
  else result.record(stats.error);
}
