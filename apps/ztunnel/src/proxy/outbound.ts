// Outbound (:15001 inside the pod): the app's connection was REDIRECTed here;
// SO_ORIGINAL_DST says where it was going. Route it (outbound-route.ts), then
// relay: HBONE through the pod's pool with the pod's own certificate, or plain
// TCP from a marked socket in the pod netns. Outbound never enforces policy.

import type { Socket } from 'node:net';
import {
  ConnectionLostError,
  relay,
  type ConnectRequest,
  type HboneTunnel,
} from '@ambient-ts/hbone';
import { parseSpiffeId } from '@ambient-ts/spiffe';
import {
  socketAddr,
  type IpAddr,
  workloadIdentityUri,
  type Workload,
} from '@ambient-ts/workload-state';
import { ConnectionResult, logEarlyFailure } from '../telemetry/connection-result.js';
import type { PodContext, ProxyContext } from './context.js';
import { acceptCaptured } from './captured-connection.js';
import { planOutbound, type OutboundRoute } from './outbound-route.js';

function baggageType(t: string): 'deployment' | 'cronjob' | 'pod' | 'job' | undefined {
  return t === 'deployment' || t === 'cronjob' || t === 'pod' || t === 'job' ? t : undefined;
}

export async function handleOutbound(
  ctx: ProxyContext,
  pod: PodContext,
  socket: Socket,
): Promise<void> {
  const captured = await acceptCaptured(ctx, pod, socket, 'outbound');
  if (!captured) return;
  const { src, dst, dstAddr, local } = captured;
  // A connection to our own listener that was not redirected (the pod called 15001 itself).
  if (dst.port === 15001 && local.addresses.includes(dst.ip)) {
    logEarlyFailure(
      ctx.accessLog,
      src.addr,
      dstAddr,
      'outbound',
      'attempted recursive call to ourselves',
    );
    socket.destroy();
    return;
  }
  const route = planOutbound({
    state: ctx.state,
    source: local,
    destination: dst,
    random: ctx.random,
  });
  switch (route.kind) {
    case 'refuse':
      logEarlyFailure(ctx.accessLog, src.addr, dstAddr, 'outbound', route.reason);
      socket.resetAndDestroy();
      return;
    case 'hbone':
      await outboundHbone(ctx, pod, socket, src, dstAddr, local, route);
      return;
    case 'tcp':
    case 'passthrough':
      await outboundTcp(ctx, pod, socket, src, dstAddr, local, route);
      return;
  }
}

async function outboundHbone(
  ctx: ProxyContext,
  pod: PodContext,
  socket: Socket,
  src: { ip: IpAddr; addr: string },
  dstAddr: string,
  local: Workload,
  route: Extract<OutboundRoute, { kind: 'hbone' }>,
): Promise<void> {
  const nextHop = socketAddr(route.nextHop.ip, route.nextHop.port);
  const identity = workloadIdentityUri(local);
  const result = new ConnectionResult(
    {
      src: src.addr,
      dst: nextHop,
      hboneAddr: route.authority,
      srcName: local.name,
      dstName: route.destination.name,
    },
    {
      reporter: 'source',
      source: local,
      // The source principal is what we present in mTLS: our own identity.
      derivedSource: { identity },
      destination: route.destination,
      ...(route.service ? { destinationService: route.service } : {}),
      securityPolicy: 'mutual_tls',
    },
    ctx.metrics,
    ctx.accessLog,
  );
  const abort = new AbortController();
  const onEarlyClose = (): void => {
    abort.abort(new Error('the client closed the connection'));
  };
  socket.once('close', onEarlyClose);
  let tunnel: HboneTunnel;
  try {
    const cert = await ctx.certs.get(identity);
    const workloadType = baggageType(local.workloadType);
    const request: ConnectRequest = {
      source: {
        identity: cert.identity,
        certChainPem: cert.certChainPem,
        keyPem: cert.keyPem,
        trustBundle: cert.roots,
        ip: src.ip,
      },
      destination: {
        address: nextHop,
        expectedIdentities: route.expectedIdentities.map((u) => parseSpiffeId(u)),
      },
      target: route.authority,
      headers: {
        baggage: {
          clusterId: local.clusterId,
          namespace: local.namespace,
          ...(workloadType ? { workloadType, workloadName: local.workloadName } : {}),
          canonicalName: local.canonicalName,
          canonicalRevision: local.canonicalRevision,
          region: local.locality.region,
          zone: local.locality.zone,
        },
        forwardedFor: src.addr,
        ...(route.service ? { serviceHost: route.service.hostname } : {}),
      },
      signal: abort.signal,
    };
    try {
      tunnel = await pod.pool.connect(request);
    } catch (err) {
      // The stream never reached the server's app: the HBONE connection went away
      // (e.g. the peer ztunnel is draining and sent GOAWAY). Safe to try once more
      // on a fresh connection.
      if (!(err instanceof ConnectionLostError) || abort.signal.aborted) throw err;
      tunnel = await pod.pool.connect(request);
    }
  } catch (err) {
    socket.off('close', onEarlyClose);
    result.record(err as Error, 'CONNECT');
    socket.resetAndDestroy();
    return;
  } finally {
    socket.off('close', onEarlyClose);
  }
  await relayAndRecord(ctx, pod, socket, tunnel, result, {
    src: src.addr,
    originalDst: dstAddr,
    actualDst: nextHop,
    protocol: 'HBONE',
  });
}

async function outboundTcp(
  ctx: ProxyContext,
  pod: PodContext,
  socket: Socket,
  src: { ip: IpAddr; addr: string },
  dstAddr: string,
  local: Workload,
  route: Extract<OutboundRoute, { kind: 'tcp' | 'passthrough' }>,
): Promise<void> {
  const target = socketAddr(route.target.ip, route.target.port);
  const result = new ConnectionResult(
    {
      src: src.addr,
      dst: target,
      srcName: local.name,
      ...(route.kind === 'tcp' ? { dstName: route.destination.name } : {}),
    },
    {
      reporter: 'source',
      source: local,
      ...(route.kind === 'tcp' ? { destination: route.destination } : {}),
      ...(route.service ? { destinationService: route.service } : {}),
      securityPolicy: 'unknown',
    },
    ctx.metrics,
    ctx.accessLog,
  );
  let upstream: Socket;
  try {
    upstream = await ctx.sockets.connectTcp(pod.netns, {
      host: route.target.ip,
      port: route.target.port,
      timeoutMs: 10_000,
    });
  } catch (err) {
    result.record(err as Error, 'CONNECT');
    socket.resetAndDestroy();
    return;
  }
  await relayAndRecord(ctx, pod, socket, upstream, result, {
    src: src.addr,
    originalDst: dstAddr,
    actualDst: target,
    protocol: 'TCP',
  });
}

async function relayAndRecord(
  ctx: ProxyContext,
  pod: PodContext,
  client: Socket,
  upstream: Socket | HboneTunnel,
  result: ConnectionResult,
  conn: { src: string; originalDst: string; actualDst: string; protocol: 'HBONE' | 'TCP' },
): Promise<void> {
  const r = relay(client, upstream);
  let closeReason: string | undefined;
  const untrack = ctx.connections.track({
    podUid: pod.info.uid,
    direction: 'outbound',
    ...conn,
    close(reason) {
      closeReason = reason;
      r.abort(new Error(reason));
    },
    flush() {
      result.syncBytes(r.stats.aToB, r.stats.bToA);
    },
  });
  const stats = await r.done;
  untrack();
  result.syncBytes(stats.aToB, stats.bToA);
  result.record(closeReason ?? stats.error);
}
