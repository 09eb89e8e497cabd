// A mirror (shadow) request must never take the waypoint down: its failure is
// its own, whatever the mirrored backend does. The old `void attempt().then()`
// had no rejection handler, so a mirror attempt that threw became an
// unhandled rejection — with the process guard, a waypoint restart.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- stand-ins for dependencies the test never reaches */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createStateStore } from '@ambient-ts/workload-state';
import { testService } from '@ambient-ts/workload-state/testing';
import { recordAttack } from '@ambient-ts/security-table';
import { afterEach, describe, expect, it } from 'vitest';
import { backend, compiled, forwardTo } from '../l7/test-fixtures.js';
import type { H2Sessions } from '../upstream/h2-sessions.js';
import type { TunnelAgents } from '../upstream/tunnel-agents.js';
import type { UpstreamConnector } from '../upstream/upstream-connector.js';
import type { DownstreamRequest, DownstreamResponse } from './downstream.js';
import { createRequestHandler, type RequestRecord } from './request-handler.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  unhandled.length = 0;
});

/** A dependency the test never reaches: any use throws. */
const unused = new Proxy(
  {},
  {
    get: () => {
      throw new Error('not used in this test');
    },
  },
);

class FakeResponse extends EventEmitter implements DownstreamResponse {
  headersSent = false;
  status = 0;
  writeHead(status: number): this {
    this.status = status;
    this.headersSent = true;
    return this;
  }
  end(): this {
    this.emit('close');
    return this;
  }
  addTrailers(): void {
    return undefined;
  }
  destroy(): void {
    this.emit('close');
  }
}

describe('request mirrors', () => {
  it('a mirror attempt that throws does not reject unhandled, and the request is still answered', async () => {
    const listener = compiled({
      httpRoutes: [
        { name: 'r', action: forwardTo('reviews'), mirrors: [{ backend: backend('shadow') }] },
      ],
    });
    const records: RequestRecord[] = [];
    let calls = 0;
    const handle = createRequestHandler({
      state: createStateStore().state,
      network: '',
      // Never reached: the mirror fails before dialling, the main backend has no endpoint.
      connector: unused as UpstreamConnector,
      listenerNamed: () => listener,
      agents: unused as TunnelAgents,
      h2Sessions: unused as H2Sessions,
      // The mirror's attempt asks first: it fails there; the main request's does not.
      self: () => {
        if (calls++ === 0) throw new Error('locality lookup failed in the mirror');
        return { region: '', zone: '', subzone: '', network: '', node: '', cluster: '' } as never;
      },
      random: () => 0,
      onComplete: (r) => records.push(r),
    });
    const body = new PassThrough();
    body.end();
    const req = Object.assign(body, {
      method: 'GET',
      url: '/',
      headers: { host: 'reviews:9080' },
      httpVersionMajor: 1,
    }) as unknown as DownstreamRequest;
    const res = new FakeResponse();
    await handle(
      {
        listener,
        service: testService('reviews', '10.96.0.10', { 9080: 9080 }),
        peerIdentity: 'spiffe://cluster.local/ns/bookinfo/sa/productpage',
        peerIp: '10.0.0.5',
        destination: { ip: '10.96.0.10', port: 9080 },
      },
      req,
      res,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(2);
    expect(unhandled).toEqual([]);
    // No endpoint for the main backend in the empty store: answered 503, recorded once.
    expect(res.status).toBe(503);
    expect(records).toHaveLength(1);
    recordAttack({
      finding: '12.6 small ones',
      attack: 'a request mirror whose attempt throws',
      sent: 'GET / on a route with a mirror; the mirror attempt throws before dialling',
      happened: `unhandled rejections ${unhandled.length}; the request answered ${res.status} and recorded once`,
    });
  });
});
