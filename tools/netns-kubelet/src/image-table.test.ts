import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImageNotFoundError, ImageTableError } from './errors.js';
import {
  canonicalRepository,
  findImage,
  parseImageTable,
  resolveImage,
  type ImageTable,
} from './image-table.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const tablePath = path.join(repoRoot, 'deploy/images/local-images.json');
const placeholders = {
  repo: '/src/ambient-ts',
  kubeBinaries: '/cache/kube/v1.34.1',
  node: '/usr/bin/node',
};
const table: ImageTable = parseImageTable(
  JSON.parse(readFileSync(tablePath, 'utf8')),
  tablePath,
  placeholders,
);
const digest = (): string => 'ab'.repeat(32);

describe('canonicalRepository', () => {
  it('drops tags and digests and spells Docker Hub one way', () => {
    expect(canonicalRepository('nginx')).toBe('docker.io/library/nginx');
    expect(canonicalRepository('nginx:1.27')).toBe('docker.io/library/nginx');
    expect(canonicalRepository('index.docker.io/library/nginx@sha256:abc')).toBe(
      'docker.io/library/nginx',
    );
    expect(canonicalRepository('docker.io/istio/foo:1.2')).toBe('docker.io/istio/foo');
    expect(canonicalRepository('localhost:5000/x/y:tag')).toBe('localhost:5000/x/y');
    expect(canonicalRepository('registry.k8s.io/coredns/coredns:v1.11.3')).toBe(
      'registry.k8s.io/coredns/coredns',
    );
  });
});

describe('the repository image table', () => {
  it('maps every bookinfo image, whatever registry spelling and tag the manifest uses', () => {
    for (const app of [
      'productpage-v1',
      'details-v1',
      'ratings-v1',
      'reviews-v1',
      'reviews-v2',
      'reviews-v3',
    ]) {
      for (const image of [
        `docker.io/istio/examples-bookinfo-${app}:1.20.3`,
        `istio/examples-bookinfo-${app}`,
        `registry.istio.io/release/examples-bookinfo-${app}:1.20.3`,
        `gcr.io/istio-release/examples-bookinfo-${app}:1.18.0`,
      ]) {
        const e = findImage(table, image);
        expect(e, image).toBeDefined();
        expect(e?.entrypoint[0]).toBe('/usr/bin/node');
        expect(e?.entrypoint[1]).toBe('/src/ambient-ts/e2e/bookinfo/dist/main.js');
        expect(e?.entrypoint[2]).toBe(app.split('-')[0]);
        // the upstream images' CMD is the port
        expect(e?.cmd).toEqual(['9080']);
      }
    }
  });

  it('sets the reviews versions apart by the env their images set', () => {
    const env = (v: string): Readonly<Record<string, string>> | undefined =>
      findImage(table, `docker.io/istio/examples-bookinfo-reviews-${v}:1.20.3`)?.env;
    expect(env('v1')).toMatchObject({ ENABLE_RATINGS: 'false' });
    expect(env('v2')).toMatchObject({ ENABLE_RATINGS: 'true', STAR_COLOR: 'black' });
    expect(env('v3')).toMatchObject({ ENABLE_RATINGS: 'true', STAR_COLOR: 'red' });
    expect(findImage(table, 'istio/examples-bookinfo-ratings-v1')?.env).toMatchObject({
      SERVICE_VERSION: 'v1',
    });
  });

  it('runs curl images from the host filesystem through the manifest command', () => {
    const e = findImage(table, 'docker.io/curlimages/curl:8.16.0');
    expect(e?.entrypoint).toEqual([]);
    expect(findImage(table, 'curlimages/curl')).toBe(e);
  });

  it('maps kube-proxy and coredns to the built Kubernetes binaries, including in-image paths', () => {
    const kp = findImage(table, 'registry.k8s.io/kube-proxy:v1.34.1');
    expect(kp?.entrypoint).toEqual(['/cache/kube/v1.34.1/kube-proxy']);
    expect(kp?.programs['/usr/local/bin/kube-proxy']).toBe('/cache/kube/v1.34.1/kube-proxy');
    expect(findImage(table, 'k8s.gcr.io/kube-proxy:v1.20.0')).toBe(kp);
    expect(findImage(table, 'registry.k8s.io/coredns/coredns:v1.11.3')?.entrypoint).toEqual([
      '/cache/kube/v1.34.1/coredns',
    ]);
  });

  it('fails an unknown image as an image pull would, naming the table file', () => {
    expect(() => resolveImage(table, 'docker.io/library/nginx:1.27', digest)).toThrow(
      ImageNotFoundError,
    );
    expect(() => resolveImage(table, 'docker.io/library/nginx:1.27', digest)).toThrow(
      `image "docker.io/library/nginx:1.27" is not in the local image table ${tablePath}`,
    );
    // Same last path component, different organization: not the same image.
    expect(findImage(table, 'docker.io/someone/examples-bookinfo-details-v1')).toBeUndefined();
    expect(findImage(table, 'quay.io/istio/examples-bookinfo-details-v1')).toBeUndefined();
  });

  it('reports an image id derived from the entry', () => {
    const r = resolveImage(table, 'istio/examples-bookinfo-details-v1:1.20.3', digest);
    expect(r.imageID).toBe(
      `docker.io/istio/examples-bookinfo-details-v1@sha256:${'ab'.repeat(32)}`,
    );
  });
});

describe('parseImageTable', () => {
  const parse = (json: unknown): ImageTable => parseImageTable(json, '/t.json', placeholders);
  it('rejects malformed tables with the path and entry', () => {
    expect(() => parse([])).toThrow(ImageTableError);
    expect(() => parse({ images: [{ repository: 'a', entrypoint: 'x' }] })).toThrow(
      '/t.json: images[0] (a).entrypoint',
    );
    expect(() => parse({ images: [{}] })).toThrow('images[0].repository');
    expect(() => parse({ images: [{ repository: 'a', env: { X: 1 } }] })).toThrow('env');
  });
  it('rejects two entries for the same image', () => {
    expect(() =>
      parse({ images: [{ repository: 'nginx' }, { repository: 'docker.io/library/nginx' }] }),
    ).toThrow('name the same image');
  });
  it('substitutes placeholders in entrypoint, cmd, env, programs and workingDir', () => {
    const t = parse({
      images: [
        {
          repository: 'x/y',
          entrypoint: ['${node}', '${repo}/a.js'],
          cmd: ['--bin=${kubeBinaries}'],
          env: { A: '${repo}' },
          programs: { '/p': '${kubeBinaries}/p' },
          workingDir: '${repo}',
        },
      ],
    });
    expect(t.entries[0]).toEqual({
      repository: 'x/y',
      entrypoint: ['/usr/bin/node', '/src/ambient-ts/a.js'],
      cmd: ['--bin=/cache/kube/v1.34.1'],
      env: { A: '/src/ambient-ts' },
      programs: { '/p': '/cache/kube/v1.34.1/p' },
      workingDir: '/src/ambient-ts',
    });
  });
});
