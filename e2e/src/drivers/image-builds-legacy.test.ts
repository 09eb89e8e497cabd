import { describe, expect, it } from 'vitest';
import {
  dockerfileFor,
  findEntry,
  imageBuildsFor,
  imagesIn,
  meshImageBuilds,
  repositoryOf,
} from './image-builds-legacy.js';

const table = [
  {
    repository: 'istio/examples-bookinfo-reviews-v3',
    entrypoint: ['${node}', '${repo}/e2e/bookinfo/dist/main.js', 'reviews'],
    cmd: [],
    env: { SERVICE_VERSION: 'v3', STAR_COLOR: 'red' },
  },
  { repository: 'curlimages/curl', entrypoint: [], cmd: ['curl'] },
  { repository: 'registry.k8s.io/kube-proxy', entrypoint: ['${kubeBinaries}/kube-proxy'], cmd: [] },
];
const mirrors = { 'registry.istio.io/release': 'docker.io/istio' };

describe('kind image builds from the local image table', () => {
  it('strips tags and digests but not registry ports', () => {
    expect(repositoryOf('registry.istio.io/release/x:1.20.3')).toBe('registry.istio.io/release/x');
    expect(repositoryOf('localhost:5000/x@sha256:abc')).toBe('localhost:5000/x');
    expect(repositoryOf('localhost:5000/x')).toBe('localhost:5000/x');
  });

  it('finds entries through registry mirrors and docker.io spellings', () => {
    expect(
      findEntry(table, 'registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3', mirrors)
        ?.repository,
    ).toBe('istio/examples-bookinfo-reviews-v3');
    expect(findEntry(table, 'docker.io/curlimages/curl:8.16.0')?.repository).toBe(
      'curlimages/curl',
    );
    expect(findEntry(table, 'nginx:1')).toBeUndefined();
  });

  it("writes a Dockerfile running the repo's Node program with the image's env", () => {
    expect(dockerfileFor(table[0]!)).toBe(
      [
        'FROM node:22-alpine',
        'WORKDIR /app',
        'COPY e2e/bookinfo/package.json /app/e2e/bookinfo/package.json',
        'COPY e2e/bookinfo/dist /app/e2e/bookinfo/dist',
        'ENV SERVICE_VERSION="v3"',
        'ENV STAR_COLOR="red"',
        'ENTRYPOINT ["node","/app/e2e/bookinfo/dist/main.js","reviews"]',
        '',
      ].join('\n'),
    );
    expect(dockerfileFor(table[1]!)).toBeUndefined();
    expect(dockerfileFor(table[2]!)).toBeUndefined();
  });

  it('builds each of our images once, under the exact name the manifests use', () => {
    const objs = [
      {
        kind: 'Deployment',
        spec: {
          template: {
            spec: {
              containers: [
                { image: 'registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3' },
              ],
            },
          },
        },
      },
      {
        kind: 'Deployment',
        spec: {
          template: { spec: { containers: [{ image: 'docker.io/curlimages/curl:8.16.0' }] } },
        },
      },
      {
        kind: 'Pod',
        spec: {
          initContainers: [
            { image: 'registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3' },
          ],
          containers: [],
        },
      },
      { kind: 'Service', spec: {} },
    ];
    const images = imagesIn(objs);
    expect(images).toEqual([
      'registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3',
      'docker.io/curlimages/curl:8.16.0',
    ]);
    expect(imageBuildsFor(images, table, mirrors).map((b) => b.tag)).toEqual([
      'registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3',
    ]);
  });

  it("also finds images named by *_IMAGE env values (istiod's WAYPOINT_IMAGE)", () => {
    const istiod = {
      kind: 'Deployment',
      spec: {
        template: {
          spec: {
            containers: [
              {
                image: 'ambient-ts/pilot:0.1.0',
                env: [
                  { name: 'WAYPOINT_IMAGE', value: 'ambient-ts/waypoint:0.1.0' },
                  { name: 'CLUSTER_ID', value: 'Kubernetes' },
                  { name: 'PROXY_IMAGE' },
                ],
              },
            ],
          },
        },
      },
    };
    expect(imagesIn([istiod])).toEqual(['ambient-ts/pilot:0.1.0', 'ambient-ts/waypoint:0.1.0']);
  });

  it("builds the mesh's images from the deploy Dockerfile's target named like the image", () => {
    const builds = meshImageBuilds(
      [
        'ambient-ts/pilot:0.1.0',
        'docker.io/ambient-ts/ztunnel:0.1.0',
        'ambient-ts/install-cni:0.1.0',
        'ambient-ts/pilot:0.1.0',
        'docker.io/curlimages/curl:8.16.0',
      ],
      '/repo/deploy/images/docker/Dockerfile',
    );
    expect(builds).toEqual([
      {
        tag: 'ambient-ts/pilot:0.1.0',
        dockerfile: { path: '/repo/deploy/images/docker/Dockerfile', target: 'pilot' },
      },
      {
        tag: 'docker.io/ambient-ts/ztunnel:0.1.0',
        dockerfile: { path: '/repo/deploy/images/docker/Dockerfile', target: 'ztunnel' },
      },
      {
        tag: 'ambient-ts/install-cni:0.1.0',
        dockerfile: { path: '/repo/deploy/images/docker/Dockerfile', target: 'install-cni' },
      },
    ]);
  });
});
