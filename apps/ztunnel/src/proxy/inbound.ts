// Inbound HBONE (:15008 inside the pod): the hbone server terminates mTLS and
// HTTP/2 CONNECT; these hooks decide (inbound-decision.ts) and dial the app
// from inside the pod with the client's own IP as source (IP_TRANSPARENT), so
// the app sees the real peer. The 200 goes out only after both succeeded.

import type { Socket } from 'node:net';
import {
  createHboneServer,
  type AuthorizeDecision,
  type HboneServer,
  type HboneSettings,
  type InboundRequest,
} from '@ambient-ts/hbone';
import { formatBaggage } from '@ambient-ts/hbone';
import type { WorkloadCertificate } from '@ambient-ts/istiod-client';
import { parseIp, socketAddr, type IpAddr, type Workload } from '@ambient-ts/workload-state';
import { ConnectionResult, logEarlyFailure } from '../telemetry/connection-result.js';
import type { DerivedSource } from '../telemetry/traffic-labels.js';
import type { PodContext, ProxyContext } from './context.js';
import { decideInbound, forwardedHost } from './inbound-decision.js';

interface Admitted {
  readonly result: ConnectionResult;
  readonly local: Workload;
  readonly port: number;
  readonly srcIp: IpAddr;
  readonly localIp: IpAddr;
  upstream?: Socket;
  closeReason?: { reason: string; flag: '-' | 'DENY' };
  untrack?: () => void;
}

/** Parses upstream's request baggage into derived source facts. */
export function parseBaggage(
  header: string | string[] | undefined,
): Omit<DerivedSource, 'identity'> {
  const v = Array.isArray(header) ? header.join(',') : (header ?? '');
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const val = part.slice(eq + 1).trim();
    if (k === 'k8s.cluster.name') out.clusterId = val;
    else if (k === 'k8s.namespace.name') out.namespace = val;
    else if (/^k8s\.(deployment|cronjob|pod|job)\.name$/.test(k)) out.workloadName = val;
    else if (k === 'service.name') out.app = val;
    else if (k === 'service.version') out.revision = val;
    else if (k === 'cloud.region') out.region = val;
    else if (k === 'cloud.availability_zone') out.zone = val;
  }
  return out;
}

export function createInboundServer(
  ctx: ProxyContext,
  pod: PodContext,
  cert: WorkloadCertificate,
  settings: Partial<HboneSettings>,
): HboneServer {
  const admitted = new WeakMap<InboundRequest, Admitted>();

  async function authorize(req: InboundRequest): Promise<AuthorizeDecision> {
    // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; parseIp folds them back.
    const localIp = parseIp(req.local.ip);
    const srcIp = parseIp(req.remote.ip);
    const src = socketAddr(srcIp ?? req.remote.ip, req.remote.port);
    const dstAddr = socketAddr(localIp ?? req.local.ip, req.local.port);
    let local: Workload;
    try {
      local = await pod.localWorkload();
    } catch (err) {
      logEarlyFailure(ctx.accessLog, src, dstAddr, 'inbound', (err as Error).message);
      return { allow: false, status: 503, reason: (err as Error).message };
    }
    const targetIp = parseIp(req.target.ip);
    if (!localIp || !srcIp || !targetIp) {
      return { allow: false, status: 400, reason: 'unparseable address' };
    }
    const fwdHost = forwardedHost(req.headers.forwarded);
    const verdict = decideInbound({
      state: ctx.state,
      local,
      localIp,
      peer: req.peer,
      srcIp,
      target: { ip: targetIp, port: req.target.port },
      ...(fwdHost ? { forwardedHost: fwdHost } : {}),
      enforceWaypoint: ctx.enforceWaypoint,
    });
    if (!verdict.allow && verdict.flag !== 'DENY') {
      // Not enough context for a full access log line (upstream's early deny).
      logEarlyFailure(ctx.accessLog, src, dstAddr, 'inbound', verdict.reason);
      return { allow: false, status: verdict.status, reason: verdict.reason };
    }
    const source = ctx.state.workloadByAddress({ network: local.network, address: srcIp });
    const result = new ConnectionResult(
      {
        src,
        dst: dstAddr,
        hboneAddr: req.target.authority,
        ...(source ? { srcName: source.name } : {}),
        dstName: local.name,
      },
      {
        reporter: 'destination',
        ...(source ? { source } : {}),
        derivedSource: { ...parseBaggage(req.headers.baggage), identity: req.peer.uri },
        destination: local,
        ...(verdict.allow && verdict.service ? { destinationService: verdict.service } : {}),
        securityPolicy: 'mutual_tls',
      },
      ctx.metrics,
      ctx.accessLog,
    );
    if (!verdict.allow) {
      result.record(verdict.reason, verdict.flag);
      return { allow: false, status: verdict.status, reason: verdict.reason };
    }
    admitted.set(req, { result, local, port: verdict.port, srcIp, localIp });
    return {
      allow: true,
      ...(ctx.responseBaggage
        ? {
            responseHeaders: {
              baggage: formatBaggage({
                clusterId: local.clusterId,
                namespace: local.namespace,
                canonicalName: local.canonicalName,
                canonicalRevision: local.canonicalRevision,
                region: local.locality.region,
                zone: local.locality.zone,
              }),
            },
          }
        : {}),
    };
  }

  async function dial(req: InboundRequest, signal: AbortSignal): Promise<Socket> {
    const a = admitted.get(req);
    if (!a) throw new Error('CONNECT was not authorized');
    try {
      const upstream = await ctx.sockets.connectTcp(pod.netns, {
        host: a.localIp,
        port: a.port,
        // The app sees the real client: bind to its IP, which this pod does not own.
        localAddress: a.srcIp,
        transparent: true,
        timeoutMs: 10_000,
        signal,
      });
      a.upstream = upstream;
      a.untrack = ctx.connections.track({
        podUid: pod.info.uid,
        direction: 'inbound',
        src: socketAddr(a.srcIp, req.remote.port),
        originalDst: req.target.authority,
        actualDst: socketAddr(a.localIp, a.port),
        protocol: 'HBONE',
        authorization: {
          workloadUid: a.local.uid,
          peer: req.peer,
          srcIp: a.srcIp,
          dstIp: a.localIp,
          port: a.port,
        },
        flush() {
          // What went to the app is the request direction; what came back, the response.
          a.result.syncBytes(upstream.bytesWritten, upstream.bytesRead);
        },
        close(reason, flag) {
          a.closeReason = { reason, flag };
          // With an error the tunnel is reset (not half-closed), so the client sees it end too.
          upstream.destroy(new Error(reason));
        },
      });
      return upstream;
    } catch (err) {
      a.result.record(err as Error, 'CONNECT');
      throw err;
    }
  }

  return createHboneServer({
    identity: { certChainPem: cert.certChainPem, keyPem: cert.keyPem },
    trustBundle: cert.roots,
    authorize,
    dial,
    settings,
    logger: ctx.log,
    onTunnelClose(record) {
      const a = admitted.get(record.request);
      if (!a) return;
      a.untrack?.();
      a.result.syncBytes(record.bytesFromClient, record.bytesToClient);
      if (a.closeReason) a.result.record(a.closeReason.reason, a.closeReason.flag);
      else a.result.record(record.error);
    },
  });
}
