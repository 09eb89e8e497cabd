import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { channelCredentials, metadataFor, tokenReader } from './grpc-channel.js';
import type { GrpcEndpoint } from './grpc-endpoint.js';

const dir = mkdtempSync(path.join(tmpdir(), 'istiod-client-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const endpoint: GrpcEndpoint = {
  target: 'istiod.istio-system.svc:15012',
  tls: true,
  rootCa: undefined,
  altHostname: undefined,
  headers: { 'X-Tenant': 'a' },
};

describe('the channel to istiod', () => {
  it('re-reads a token file on every call, because projected tokens rotate', () => {
    const file = path.join(dir, 'istio-token');
    writeFileSync(file, 'first\n');
    const token = tokenReader({ kind: 'file', value: file });
    expect(token()).toBe('first');
    writeFileSync(file, 'second\n');
    expect(token()).toBe('second');
    expect(() => tokenReader({ kind: 'file', value: path.join(dir, 'missing') })()).toThrow(
      /is the projected service account token \(audience istio-ca\) mounted\?/,
    );
  });

  it('sends the bearer token, the cluster id and the configured headers on each call', () => {
    const md = metadataFor(endpoint, tokenReader({ kind: 'literal', value: 'tok' }), 'c1');
    expect(md.getMap()).toEqual({ authorization: 'Bearer tok', clusterid: 'c1', 'x-tenant': 'a' });
  });

  it('names the missing root and how to provide it instead of failing on connect', () => {
    expect(() => channelCredentials({ ...endpoint, rootCa: path.join(dir, 'root.pem') })).toThrow(
      /root\.pem to verify istiod\.istio-system\.svc:15012 does not exist/,
    );
    expect(channelCredentials({ ...endpoint, altHostname: 'istiod.example' }).options).toEqual({
      'grpc.ssl_target_name_override': 'istiod.example',
    });
  });
});
