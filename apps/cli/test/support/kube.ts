// Setting up a real API server for istioctl's integration test: raw JSON
// requests with the cluster's credentials, and the Gateway API CRDs we ship.

import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { renderManifests } from '@ambient-ts/deploy';

export async function kubeRequest(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<unknown> {
  const options: https.RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(options);
  const server = kc.getCurrentCluster()?.server ?? '';
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, server), {
      method,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      headers: {
        ...(options.headers as Record<string, string>),
        Accept: 'application/json',
        ...(payload !== undefined && { 'Content-Type': contentType }),
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300)
          reject(new Error(`${method} ${path}: ${res.statusCode ?? 0} ${text}`));
        else resolve(text === '' ? {} : JSON.parse(text));
      });
    });
    req.end(payload);
  });
}

export async function until(
  what: string,
  probe: () => Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Crd {
  kind: string;
  metadata: { name: string };
  spec: { group: string };
}

/** Installs the shipped gateway.networking.k8s.io CRDs and waits until Gateways are served. */
export async function installGatewayCrds(kc: KubeConfig): Promise<void> {
  const crds = (renderManifests() as unknown as Crd[]).filter(
    (o) => o.kind === 'CustomResourceDefinition' && o.spec.group === 'gateway.networking.k8s.io',
  );
  if (crds.length === 0) throw new Error('@ambient-ts/deploy rendered no Gateway API CRD');
  for (const crd of crds) {
    await kubeRequest(kc, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  }
  await until('gateways served', async () => {
    await kubeRequest(kc, 'GET', '/apis/gateway.networking.k8s.io/v1/gateways');
    return true;
  });
}
