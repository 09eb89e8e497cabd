// One HTTP request through the waypoint: the L7 plan (authorization, route,
// fault, rewrite — decided by ../l7), then its execution: delay, endpoint
// choice through WDS, HBONE to the endpoint, per-try and overall timeouts,
// retries with backoff, mirrors, response header modifiers, and one metric +
// access-log record when the response is done. Local replies use Envoy's
// texts, which clients and dashboards already know.

import type { ClientHttp2Session } from 'node:http2';
import type { Duplex, Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import {
  parseIp,
  type LocalityView,
  type ProxyState,
  type Service,
  type Workload,
} from '@ambient-ts/workload-state';
import type { waypoint } from '@ambient-ts/xds-types';
import {
  applyResponseModifiers,
  planRequest,
  type CompiledListener,
  type DryRunResult,
  type RequestPlan,
} from '../l7/index.js';
import type { RequestFacts } from '../telemetry/request-labels.js';
import { backendEndpoint, describeBackend } from '../upstream/backend-endpoint.js';
import type { H2Sessions } from '../upstream/h2-sessions.js';
import type { TunnelAgents } from '../upstream/tunnel-agents.js';
import type { UpstreamConnector } from '../upstream/upstream-connector.js';
import type { DownstreamRequest, DownstreamResponse } from './downstream.js';
import { endToEndHeaders } from './headers.js';
import { failureReply, grpcStatusOf, readBody, reply, RESPOND_FLAGS } from './local-replies.js';
import {
  exchange,
  type ExchangeResult,
  type UpstreamResponse,
  type WireProtocol,
} from './upstream-exchange.js';

/** What the HBONE tunnel a request arrived on tells us. */
export interface TunnelContext {
  readonly listener: CompiledListener;
  readonly service: Service;
  /** The verified SPIFFE URI of the HBONE client (the source ztunnel, for its pod). */
  readonly peerIdentity: string;
  /** The original client IP (the HBONE connection's source is the client pod itself). */
  readonly peerIp: string;
  readonly destination: { readonly ip: string; readonly port: number };
}

export interface RequestRecord extends RequestFacts {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly route: string | undefined;
  readonly upstream: string | undefined;
  readonly durationMs: number;
  readonly attempts: number;
  readonly detail: string | undefined;
  /** AUDIT policies that matched. */
  readonly audited: readonly string[];
  /** What dry-run policies would have decided (logged, never enforced). */
  readonly dryRun: DryRunResult | undefined;
}

export interface HandlerDeps {
  readonly state: ProxyState;
  /** The waypoint's network: WDS addresses are keyed by network. */
  readonly network: string;
  readonly connector: UpstreamConnector;
  /** The current compiled listener by resource name (undefined once istiod removed it). */
  readonly listenerNamed: (name: string) => CompiledListener | undefined;
  /** Keep-alive HTTP/1.1 connections per endpoint. */
  readonly agents: TunnelAgents;
  /** Shared HTTP/2 sessions per endpoint. */
  readonly h2Sessions: H2Sessions;
  readonly self: () => LocalityView;
  readonly random: () => number;
  readonly onComplete: (record: RequestRecord) => void;
  /** Largest request body buffered for retries and mirrors. */
  readonly maxBufferedBodyBytes?: number;
}

const DEFAULT_MAX_BUFFER = 4 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

function declaresBody(req: DownstreamRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

interface Outcome {
  status: number;
  flags: string;
  grpcStatus?: string;
  destination?: Workload;
  destinationIdentity?: string;
  upstream?: string;
  attempts: number;
  detail?: string;
  audited?: readonly string[];
  dryRun?: DryRunResult;
}

/** Waits `ms`, or less if `signal` aborts first (the client left, a timeout fired). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

export function createRequestHandler(deps: HandlerDeps) {
  const maxBuffer = deps.maxBufferedBodyBytes ?? DEFAULT_MAX_BUFFER;

  /** Opens a tunnel to an endpoint of `backend` and sends the request; resolves at the response head. */
  async function attempt(
    ctx: TunnelContext,
    plan: Extract<RequestPlan, { kind: 'forward' }>,
    backend: waypoint.Backend,
    body: Buffer | Readable,
    out: Outcome,
    signal: AbortSignal,
    protocol: WireProtocol,
  ): Promise<ExchangeResult> {
    const family = ctx.destination.ip.includes(':') ? 6 : 4;
    const chosen = backendEndpoint(deps.state, backend, deps.self(), family, deps.random);
    if (chosen.kind === 'unavailable') {
      return {
        kind: 'failed',
        outcome: { error: 'connect-failure' },
        flags: 'UH',
        detail: chosen.reason,
      };
    }
    const { candidate } = chosen;
    out.destination = candidate.workload;
    out.upstream = `${candidate.ip}:${candidate.port}`;
    out.destinationIdentity =
      candidate.workload.protocol === 'HBONE' ? chosen.identities[0] : undefined;
    const open = (requestSignal?: AbortSignal): Promise<Duplex> =>
      deps.connector.connect({
        endpoint: candidate,
        identities: chosen.identities,
        clientIp: ctx.peerIp,
        serviceHostname: chosen.serviceHostname,
        ...(requestSignal ? { signal: requestSignal } : {}),
      });
    const request = {
      method: plan.method,
      path: plan.path,
      authority: plan.authority,
      headers: plan.headers,
    };
    // Connections outlive the request, so they are opened without its signal.
    const key = `${candidate.ip}:${candidate.port}|${chosen.identities.join(',')}`;
    if (protocol === 'http1') {
      const agent = deps.agents.agentFor(key, () => open());
      return exchange({ protocol, agent }, request, body, signal);
    }
    let session: ClientHttp2Session;
    try {
      session = await deps.h2Sessions.sessionFor(key, () => open());
    } catch (err) {
      return {
        kind: 'failed',
        outcome: { error: 'connect-failure' },
        flags: 'UF',
        detail: `${describeBackend(backend)} via ${out.upstream}: ${(err as Error).message}`,
      };
    }
    return exchange({ protocol, session }, request, body, signal);
  }

  function mirror(
    ctx: TunnelContext,
    plan: Extract<RequestPlan, { kind: 'forward' }>,
    body: Buffer,
    protocol: WireProtocol,
  ): void {
    for (const backend of plan.mirrors) {
      const ctl = new AbortController();
      const t = setTimeout(() => {
        ctl.abort();
      }, 30_000);
      const scratch: Outcome = { status: 0, flags: '-', attempts: 1 };
      // Envoy marks shadow traffic by suffixing the authority with -shadow.
      const shadow = { ...plan, authority: plan.authority.replace(/(:\d+)?$/, '-shadow$1') };
      // A shadow's failure is its own: never the client's, never an unhandled rejection.
      void attempt(ctx, shadow, backend, body, scratch, ctl.signal, protocol).then(
        (r) => {
          clearTimeout(t);
          if (r.kind === 'response') r.response.body.resume();
        },
        () => {
          clearTimeout(t);
        },
      );
    }
  }

  async function forward(
    ctx: TunnelContext,
    plan: Extract<RequestPlan, { kind: 'forward' }>,
    req: DownstreamRequest,
    res: DownstreamResponse,
    out: Outcome,
  ): Promise<void> {
    const protocol: WireProtocol = req.httpVersionMajor === 2 ? 'h2' : 'http1';
    const overall = new AbortController();
    let clientGone = false;
    const closed = (): void => {
      clientGone = true;
      overall.abort();
    };
    res.once('close', closed);
    const requestTimer =
      plan.requestTimeoutMs !== undefined
        ? setTimeout(() => {
            overall.abort(new Error('timeout'));
          }, plan.requestTimeoutMs)
        : undefined;
    try {
      if (plan.delayMs !== undefined && plan.delayMs > 0) {
        await sleep(plan.delayMs, overall.signal);
        out.flags = 'DI';
      }
      const needsBuffer =
        (plan.retry !== undefined && plan.retry.attempts > 0) || plan.mirrors.length > 0;
      // An HTTP/1.1 request that declares no body is sent as an empty buffer, so
      // it can be replayed if a kept-alive upstream connection turns out closed.
      let body: Buffer | Readable = protocol === 'http1' && !declaresBody(req) ? EMPTY : req;
      if (needsBuffer && body !== EMPTY) {
        const buffered = await readBody(req, maxBuffer);
        if (buffered === undefined) {
          out.status = 413;
          out.detail = `request body larger than ${maxBuffer} bytes cannot be retried or mirrored`;
          reply(res, 413, 'payload too large');
          return;
        }
        body = buffered;
      }
      if (body === EMPTY) req.resume();
      if (plan.mirrors.length > 0 && Buffer.isBuffer(body)) mirror(ctx, plan, body, protocol);
      const maxAttempts = 1 + (plan.retry?.attempts ?? 0);
      for (let n = 1; ; n++) {
        out.attempts = n;
        if (overall.signal.aborted) break;
        const perTry = new AbortController();
        const onOverall = (): void => {
          perTry.abort();
        };
        overall.signal.addEventListener('abort', onOverall, { once: true });
        const perTryTimer =
          plan.perTryTimeoutMs !== undefined
            ? setTimeout(() => {
                perTry.abort();
              }, plan.perTryTimeoutMs)
            : undefined;
        const result = await attempt(ctx, plan, plan.backend, body, out, perTry.signal, protocol);
        overall.signal.removeEventListener('abort', onOverall);
        const retryable =
          n < maxAttempts &&
          Buffer.isBuffer(body) &&
          !overall.signal.aborted &&
          plan.retry !== undefined &&
          plan.retry.shouldRetry(
            result.kind === 'response'
              ? { status: result.response.status, ...grpcStatusOf(result.response.headers) }
              : result.outcome,
          );
        if (result.kind === 'response' && !retryable) {
          clearTimeout(perTryTimer);
          await relayResponse(plan, result.response, res, out, perTry.signal);
          return;
        }
        clearTimeout(perTryTimer);
        if (result.kind === 'response') result.response.destroy();
        if (!retryable) {
          if (result.kind === 'failed') {
            if (overall.signal.aborted) break;
            // Envoy's URX: the attempts ran out; otherwise the failure's own flag.
            out.flags = n > 1 ? 'URX' : result.flags;
            out.detail = result.detail;
            const [status, text] = failureReply(result.flags);
            out.status = status;
            reply(res, status, text);
          }
          return;
        }
        await sleep(plan.retry?.backoffMs(n, deps.random) ?? 25, overall.signal);
      }
      // The overall timeout fired (or the client went away).
      if (!clientGone && !res.headersSent) {
        out.status = 504;
        out.flags = 'UT';
        reply(res, 504, 'upstream request timeout');
      } else {
        out.status = out.status || 0;
        out.flags = out.flags === '-' ? 'DC' : out.flags;
      }
    } finally {
      clearTimeout(requestTimer);
      res.off('close', closed);
    }
  }

  function relayResponse(
    plan: Extract<RequestPlan, { kind: 'forward' }>,
    response: UpstreamResponse,
    res: DownstreamResponse,
    out: Outcome,
    signal: AbortSignal,
  ): Promise<void> {
    out.status = response.status;
    const headerStatus = grpcStatusOf(response.headers).grpcStatus;
    if (headerStatus !== undefined) out.grpcStatus = String(headerStatus);
    res.writeHead(out.status, applyResponseModifiers(plan.responseModifiers, response.headers));
    return new Promise((resolve) => {
      const stop = (): void => {
        response.destroy();
        res.destroy();
        resolve();
      };
      signal.addEventListener('abort', stop, { once: true });
      // Not `end`: trailers (gRPC status) go out after the last body byte.
      response.body.pipe(res as unknown as NodeJS.WritableStream, { end: false });
      response.body.once('end', () => {
        signal.removeEventListener('abort', stop);
        const trailers = response.trailers();
        if (trailers) {
          const grpc = grpcStatusOf(trailers).grpcStatus;
          if (grpc !== undefined) out.grpcStatus = String(grpc);
          res.addTrailers(trailers);
        }
        res.end();
        resolve();
      });
      response.body.once('error', () => {
        out.flags = 'UR';
        stop();
      });
    });
  }

  return async function handle(
    ctx: TunnelContext,
    req: DownstreamRequest,
    res: DownstreamResponse,
  ): Promise<void> {
    const start = performance.now();
    let responseClosed = false;
    res.once('close', () => {
      responseClosed = true;
    });
    // HTTP/2 carries the authority as a pseudo-header, HTTP/1.1 as Host.
    const h2Authority = req.headers[':authority'];
    const authority =
      typeof h2Authority === 'string'
        ? h2Authority
        : (req.headers.host ?? `${ctx.destination.ip}:${ctx.destination.port}`);
    const out: Outcome = { status: 0, flags: '-', attempts: 0 };
    let route: string | undefined;
    try {
      // Each request runs the listener as it is now, not as it was when the
      // tunnel opened: a policy istiod adds applies to kept-alive connections too.
      const listener = deps.listenerNamed(ctx.listener.name);
      const plan: RequestPlan = listener
        ? planRequest(
            listener,
            {
              method: req.method ?? 'GET',
              path: req.url ?? '/',
              authority,
              headers: endToEndHeaders(req.headers),
              peer: { identity: ctx.peerIdentity, ip: ctx.peerIp },
              destination: ctx.destination,
            },
            deps.random,
          )
        : {
            kind: 'respond',
            status: 503,
            headers: {},
            body: 'no route: the service is no longer served by this waypoint',
            reason: 'no-route',
          };
      route = plan.kind === 'deny' ? undefined : plan.route;
      if (plan.kind !== 'respond') {
        out.audited = plan.audited;
        out.dryRun = plan.dryRun;
      }
      switch (plan.kind) {
        case 'deny':
          out.status = 403;
          out.flags = 'RBAC';
          out.detail = plan.policy ? `denied by ${plan.policy}` : 'denied: no ALLOW policy matched';
          reply(res, 403, plan.body);
          break;
        case 'respond':
          if (plan.delayMs !== undefined && plan.delayMs > 0) await delay(plan.delayMs);
          out.status = plan.status;
          out.flags = RESPOND_FLAGS[plan.reason];
          reply(res, plan.status, plan.body, plan.headers);
          break;
        case 'forward':
          await forward(ctx, plan, req, res, out);
          break;
      }
    } catch (err) {
      out.status = 500;
      out.detail = (err as Error).message;
      reply(res, 500, 'internal error');
    }
    const finish = (): void => {
      deps.onComplete({
        peerIdentity: ctx.peerIdentity,
        source: sourceWorkload(deps, ctx.peerIp),
        service: ctx.service,
        destination: out.destination,
        destinationIdentity: out.destinationIdentity,
        protocol: (req.headers['content-type'] ?? '').startsWith('application/grpc')
          ? 'grpc'
          : 'http',
        responseCode: out.status,
        grpcStatus: out.grpcStatus,
        responseFlags: out.flags,
        method: req.method ?? '',
        path: req.url ?? '',
        authority,
        route,
        upstream: out.upstream,
        durationMs: performance.now() - start,
        attempts: out.attempts,
        detail: out.detail,
        audited: out.audited ?? [],
        dryRun: out.dryRun,
      });
    };
    if (responseClosed) finish();
    else res.once('close', finish);
  };
}

function sourceWorkload(deps: HandlerDeps, ip: string): Workload | undefined {
  const address = parseIp(ip);
  return address ? deps.state.workloadByAddress({ network: deps.network, address }) : undefined;
}
