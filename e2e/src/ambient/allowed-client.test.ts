import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOOKINFO_MANIFESTS_DIR } from '../scenarios/bookinfo.js';
import { allowedClientObjects } from './allowed-client.js';

describe('the client running as the allowed principal', () => {
  it("is upstream curl.yaml's ServiceAccount and Deployment under the allowed names", async () => {
    const curl = await readFile(path.join(BOOKINFO_MANIFESTS_DIR, 'curl.yaml'), 'utf8');
    const [sa, dep] = allowedClientObjects(curl) as [
      { kind: string; metadata: { name: string } },
      {
        kind: string;
        metadata: { name: string };
        spec: {
          selector: { matchLabels: Record<string, string> };
          template: {
            metadata: { labels: Record<string, string> };
            spec: {
              serviceAccountName: string;
              containers: { image: string; command: string[] }[];
            };
          };
        };
      },
    ];
    expect(sa).toMatchObject({
      kind: 'ServiceAccount',
      metadata: { name: 'bookinfo-gateway-istio' },
    });
    expect(dep.kind).toBe('Deployment');
    expect(dep.metadata.name).toBe('curl-as-gateway');
    expect(dep.spec.selector.matchLabels).toEqual({ app: 'curl-as-gateway' });
    expect(dep.spec.template.metadata.labels).toEqual({ app: 'curl-as-gateway' });
    expect(dep.spec.template.spec.serviceAccountName).toBe('bookinfo-gateway-istio');
    expect(dep.spec.template.spec.containers[0]).toMatchObject({
      image: 'docker.io/curlimages/curl:8.16.0',
      command: ['/bin/sleep', 'infinity'],
    });
  });
});
