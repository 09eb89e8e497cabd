import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PRODUCTPAGE_VIEWER_SEED, productpageViewerPolicy } from './productpage-viewer.js';

describe("the seeds' productpage-viewer policy", () => {
  it('is the seed unchanged in namespace default', () => {
    expect(productpageViewerPolicy('default')).toBe(PRODUCTPAGE_VIEWER_SEED);
  });

  it('moves the policy and its principal to another namespace and nothing else', () => {
    const p = parse(productpageViewerPolicy('bookinfo-ambient')) as Record<string, unknown>;
    expect(p).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'productpage-viewer', namespace: 'bookinfo-ambient' },
      spec: {
        selector: { matchLabels: { app: 'productpage' } },
        action: 'ALLOW',
        rules: [
          {
            from: [
              {
                source: {
                  principals: ['cluster.local/ns/bookinfo-ambient/sa/bookinfo-gateway-istio'],
                },
              },
            ],
          },
        ],
      },
    });
  });
});
