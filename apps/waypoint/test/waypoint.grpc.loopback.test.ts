// gRPC through the waypoint: the client speaks HTTP/2 with prior knowledge
// inside its HBONE tunnel (as a gRPC client behind ztunnel does), the waypoint
// recognises the preface, applies L7 policy on the gRPC method path, and
// forwards over HTTP/2 to the endpoint, trailers (grpc-status) included.

import {
  createServer as createH2Server,
  connect as h2Connect,
  type Http2Server,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { HbonePool, type HboneServer } from '@ambient-ts/hbone';
import { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import { istioIdentity } from '@ambient-ts/spiffe';
import { waypoint as wp } from '@ambient-ts/xds-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Waypoint } from '../src/waypoint.js';
import {
  backend,
  forwardTo,
  httpListener,
  serviceInit,
  serviceRef,
  TRUST_DOMAIN as TD,
  workloadInit,
} from './harness/mesh-resources.js';
import { issueSvid, type Svid } from './harness/svid.js';
import { startStandInZtunnel } from './harness/stand-in-ztunnel.js';
import { startReadyWaypoint, type WaypointPod, waypointWorkload } from './harness/waypoint-env.js';

const NS = 'grpc';
const ECHO = serviceRef(NS, 'echo', '198.18.0.30', 7070);
const ECHO_IP = '127.0.0.31';
const WAYPOINT: WaypointPod = {
  namespace: NS,
  serviceAccount: 'waypoint',
  podName: 'waypoint-5f6d7-xyz12',
  ip: '127.0.0.30',
};

/** A gRPC message frame: uncompressed flag, 4-byte length, payload. */
function frame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

interface GrpcResult {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  readonly grpcStatus: string | undefined;
}

describe('waypoint on loopback: gRPC (HTTP/2 inside HBONE)', () => {
  const istiod = new IstiodStandIn();
  const pool = new HbonePool();
  let app: Http2Server;
  let echoHbone: HboneServer;
  let waypoint: Waypoint;
  let stats: AddressInfo;
  let client: Svid;
  const seenPaths: string[] = [];
  let appConnections = 0;

  async function grpcCall(method: string, message: string): Promise<GrpcResult> {
    const tunnel = await pool.connect({
      source: client,
      destination: {
        address: `${WAYPOINT.ip}:15008`,
        expectedIdentities: [istioIdentity(TD, NS, 'waypoint')],
      },
      target: `${ECHO.vip}:${ECHO.port}`,
    });
    const session = h2Connect('http://echo:7070', { createConnection: () => tunnel });
    try {
      return await new Promise<GrpcResult>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST',
          ':path': method,
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        let status = 0;
        let contentType: string | undefined;
        let grpcStatus: string | undefined;
        const chunks: Buffer[] = [];
        req.on('response', (h) => {
          status = Number(h[':status']);
          contentType = h['content-type'];
          grpcStatus ??= h['grpc-status'] as string | undefined;
        });
        req.on('trailers', (t: IncomingHttpHeaders) => {
          grpcStatus = t['grpc-status'] as string | undefined;
        });
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          resolve({ status, contentType, body: Buffer.concat(chunks), grpcStatus });
        });
        req.on('error', reject);
        req.end(frame(message));
      });
    } finally {
      session.close();
    }
  }

  beforeAll(async () => {
    await istiod.start();
    client = await issueSvid(istiod.ca, TD, NS, 'grpc-client');
    // The echo pod: an h2c gRPC-shaped app behind a stand-in ztunnel.
    app = createH2Server();
    app.on('connection', () => {
      appConnections++;
    });
    app.on('stream', (stream, headers) => {
      seenPaths.push(String(headers[':path']));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc' },
          { waitForTrailers: true },
        );
        stream.on('wantTrailers', () => {
          stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' });
        });
        // Echo the request's frame back.
        stream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const appPort = (app.address() as AddressInfo).port;
    const echoSvid = await issueSvid(istiod.ca, TD, NS, 'echo');
    echoHbone = await startStandInZtunnel({
      svid: echoSvid,
      ip: ECHO_IP,
      targetPort: ECHO.port,
      appPort,
    });

    istiod.setService(serviceInit(ECHO));
    istiod.setWorkload(
      workloadInit({
        namespace: NS,
        name: 'echo-v1',
        ip: ECHO_IP,
        serviceAccount: 'echo',
        services: [ECHO],
      }),
    );
    istiod.setWorkload(waypointWorkload(WAYPOINT));
    istiod.setListener(
      httpListener(
        ECHO,
        [{ name: 'GRPCRoute/grpc/echo/rule/0', action: forwardTo(backend(ECHO)) }],
        [
          {
            name: 'echo-say-only',
            namespace: NS,
            action: wp.Action.ALLOW,
            rules: [{ to: [{ paths: [{ kind: { case: 'exact', value: '/echo.Echo/Say' } }] }] }],
          },
        ],
      ),
    );
    const started = await startReadyWaypoint(istiod, WAYPOINT);
    waypoint = started.waypoint;
    stats = started.addresses.stats;
  });

  afterAll(async () => {
    await pool.close();
    await waypoint.close();
    await echoHbone.close();
    app.close();
    await istiod.close();
  });

  it('forwards an allowed gRPC call over HTTP/2 end to end, body and grpc-status trailer intact', async () => {
    const r = await grpcCall('/echo.Echo/Say', 'hello through the waypoint');
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/grpc');
    expect(r.grpcStatus).toBe('0');
    expect(r.body).toEqual(frame('hello through the waypoint'));
    expect(seenPaths).toEqual(['/echo.Echo/Say']);
  });

  it('sends concurrent calls as streams of one kept upstream session', async () => {
    const before = appConnections;
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((m) => grpcCall('/echo.Echo/Say', m)),
    );
    expect(results.map((r) => r.grpcStatus)).toEqual(['0', '0', '0', '0']);
    expect(appConnections - before).toBe(0);
  });

  it('denies a gRPC method the L7 policy does not allow, before the endpoint sees it', async () => {
    const r = await grpcCall('/echo.Echo/Forbidden', 'nope');
    expect(r.status).toBe(403);
    expect(r.body.toString()).toBe('RBAC: access denied');
    expect(seenPaths).not.toContain('/echo.Echo/Forbidden');
  });

  it('reports the calls as request_protocol="grpc" with their grpc_response_status', async () => {
    const text = await (
      await fetch(`http://${stats.address}:${stats.port}/stats/prometheus`)
    ).text();
    const lines = text.split('\n').filter((l) => l.startsWith('istio_requests_total{'));
    expect(lines.find((l) => l.includes('response_code="200"'))).toMatch(
      /request_protocol="grpc".*grpc_response_status="0".* 5$/,
    );
    expect(lines.find((l) => l.includes('response_code="403"'))).toMatch(
      /response_flags="RBAC".* 1$/,
    );
  });
});
