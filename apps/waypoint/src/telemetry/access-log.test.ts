import { describe, expect, it } from 'vitest';
import { testService, testWorkload } from '@ambient-ts/workload-state/testing';
import type { RequestRecord } from '../http/request-handler.js';
import { accessLogFields } from './access-log.js';
import { requestLabels } from './request-labels.js';

describe('what a finished request reports', () => {
  const reviews = testService('reviews', '10.96.0.10', { 9080: 9080 });
  const productpage = testWorkload('productpage-v1', '10.0.0.5', {
    serviceAccount: 'bookinfo-productpage',
  });
  const v2 = testWorkload('reviews-v2', '10.0.0.12', { serviceAccount: 'bookinfo-reviews' });
  const record: RequestRecord = {
    peerIdentity: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
    source: productpage,
    service: reviews,
    destination: v2,
    destinationIdentity: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
    protocol: 'http',
    responseCode: 200,
    grpcStatus: undefined,
    responseFlags: '-',
    method: 'GET',
    path: '/reviews/0',
    authority: 'reviews:9080',
    route: 'HTTPRoute/default/reviews/rule/0',
    upstream: '10.0.0.12:9080',
    durationMs: 3.4,
    attempts: 1,
    detail: undefined,
    audited: [],
    dryRun: undefined,
  };

  it('logs src.* / dst.* like ztunnel, then the request and its outcome', () => {
    expect(accessLogFields(record)).toEqual({
      'src.addr': '10.0.0.5',
      'src.workload': 'productpage-v1',
      'src.namespace': 'default',
      'src.identity': 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage',
      'dst.service': 'reviews.default.svc.cluster.local',
      'dst.workload': 'reviews-v2',
      'dst.namespace': 'default',
      'dst.identity': 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
      'dst.addr': '10.0.0.12:9080',
      method: 'GET',
      path: '/reviews/0',
      authority: 'reviews:9080',
      protocol: 'http',
      route: 'HTTPRoute/default/reviews/rule/0',
      response_code: 200,
      response_flags: '-',
      attempts: 1,
      duration: '3ms',
    });
  });

  it('labels istio_requests_total as reporter="waypoint" with principals without spiffe://', () => {
    const labels = requestLabels(record);
    expect(labels).toMatchObject({
      reporter: 'waypoint',
      source_principal: 'cluster.local/ns/default/sa/bookinfo-productpage',
      destination_principal: 'cluster.local/ns/default/sa/bookinfo-reviews',
      destination_service: 'reviews.default.svc.cluster.local',
      destination_service_name: 'reviews',
      response_code: '200',
      grpc_response_status: 'unknown',
      connection_security_policy: 'mutual_tls',
    });
    expect(
      requestLabels({ ...record, destination: undefined, destinationIdentity: undefined }),
    ).toMatchObject({ destination_workload: 'unknown', destination_principal: 'unknown' });
  });
});
