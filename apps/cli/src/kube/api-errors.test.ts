import { describe, expect, it } from 'vitest';
import { errorFromResponse, errorFromTransport } from './api-errors.js';

const gatewayGet = {
  method: 'GET',
  url: 'https://127.0.0.1:6443/apis/gateway.networking.k8s.io/v1/namespaces/ns/gateways/wp',
  resource: 'gateways.gateway.networking.k8s.io',
  name: 'wp',
};

describe('client-go’s wording of API errors', () => {
  it('uses the message of a Status body', () => {
    const error = errorFromResponse(
      404,
      JSON.stringify({
        kind: 'Status',
        status: 'Failure',
        reason: 'NotFound',
        message: 'namespaces "x" not found',
      }),
      gatewayGet,
    );
    expect(error).toMatchObject({
      status: 404,
      reason: 'NotFound',
      message: 'namespaces "x" not found',
      notFound: true,
    });
  });

  it('names verb, resource and object when the body is not a Status (a missing API group)', () => {
    expect(
      errorFromResponse(404, '404 page not found\n', { ...gatewayGet, method: 'PATCH' }).message,
    ).toBe(
      'the server could not find the requested resource (patch gateways.gateway.networking.k8s.io wp)',
    );
    const list = { method: 'GET', url: gatewayGet.url, resource: gatewayGet.resource };
    expect(errorFromResponse(403, '', list).message).toBe(
      'the server does not allow access to the requested resource (get gateways.gateway.networking.k8s.io)',
    );
  });

  it('quotes the body of an unexplained server error', () => {
    expect(errorFromResponse(500, 'boom', { method: 'GET', url: 'https://x/raw' }).message).toBe(
      'an error on the server ("boom") has prevented the request from succeeding',
    );
  });

  it('words transport failures as Go’s url.Error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
      code: 'ECONNREFUSED',
    });
    expect(errorFromTransport(refused, gatewayGet)).toMatchObject({
      status: 0,
      message:
        'Get "https://127.0.0.1:6443/apis/gateway.networking.k8s.io/v1/namespaces/ns/gateways/wp": dial tcp 127.0.0.1:6443: connect: connection refused',
    });
    const other = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(errorFromTransport(other, { ...gatewayGet, method: 'DELETE' }).message).toMatch(
      /^Delete ".*": socket hang up$/,
    );
  });
});
