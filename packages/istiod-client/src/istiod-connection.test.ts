// The xDS client every proxy builds (istiodXdsClient) carries the proxy's
// token on its ADS stream, not only on CA calls: istiod's :15012 refuses a
// stream without one. Against the stand-in istiod, which checks it the same way.

import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { security, typeSubscription, workload, type XdsClientEvent } from '@ambient-ts/xds-types';
import type { GrpcEndpoint } from './grpc-endpoint.js';
import { istiodXdsClient } from './istiod-connection.js';
import { IstiodStandIn } from './testing/istiod-standin.js';
import { xdsNode } from './xds-node.js';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

let istiod: IstiodStandIn;
beforeAll(async () => {
  istiod = new IstiodStandIn();
  await istiod.start();
});
afterAll(async () => {
  await istiod.close();
});

function connect(token: string) {
  const endpoint: GrpcEndpoint = {
    target: `unix:${istiod.xdsSocket}`,
    tls: false,
    rootCa: undefined,
    altHostname: undefined,
    headers: {},
  };
  const events: XdsClientEvent[] = [];
  const client = istiodXdsClient({
    endpoint,
    token: () => token,
    clusterId: 'Kubernetes',
    node: xdsNode({
      proxyType: 'ztunnel',
      instanceIp: '10.0.0.5',
      podName: 'ztunnel-n1',
      podNamespace: 'istio-system',
      nodeName: 'node-1',
      proxyMetadata: {},
      jsonMetadata: {},
    }),
    subscriptions: [
      typeSubscription(workload.AddressSchema, { apply: () => undefined }),
      typeSubscription(security.AuthorizationSchema, { apply: () => undefined }),
    ],
    logger: quiet,
    onEvent: (e) => events.push(e),
  });
  client.xds.start();
  return { ...client, events };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
}

describe('istiodXdsClient', () => {
  it('sends the proxy token as authorization: Bearer on its ADS stream', async () => {
    const c = connect(istiod.token);
    await c.xds.whenReady();
    expect(istiod.xdsTokens.at(-1)).toBe(istiod.token);
    await c.xds.close();
    c.close();
  });

  it('is refused (UNAUTHENTICATED) by an istiod that does not accept its token', async () => {
    const c = connect('not-a-token');
    await until(() => c.events.some((e) => e.kind === 'disconnected'));
    const refused = c.events.find((e) => e.kind === 'disconnected');
    expect(refused).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(c.events.some((e) => e.kind === 'ready')).toBe(false);
    await c.xds.close();
    c.close();
  });
});
