import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASE_IMAGE_NAME } from '../images/debian-base.js';
import { imagesIn, repositoryOf, targetFor, UnknownImageError } from '../images/image-catalog.js';
import { IMAGE_TABLE } from '../repo.js';
import { DOCKERFILE, imageInputHash, manifestImageRefs } from './image-builds.js';

interface Stage {
  readonly from: string;
  readonly lines: string[];
}

/** The Dockerfile's stages by name (FROM … AS name, then its instructions). */
function stages(text: string): Map<string, Stage> {
  const out = new Map<string, Stage>();
  let current: Stage | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)$/i.exec(line);
    if (from?.[1] && from[2]) {
      current = { from: from[1], lines: [] };
      out.set(from[2], current);
    } else current?.lines.push(line);
  }
  return out;
}

/** One stage's config with what it inherits from its parent stage. */
function config(
  all: Map<string, Stage>,
  name: string,
): { entrypoint?: string[]; cmd?: string[]; env: Record<string, string>; user?: string } {
  const s = all.get(name);
  if (!s) throw new Error(`no stage ${name}`);
  const parent = all.has(s.from) ? config(all, s.from) : { env: {} };
  const c = { ...parent, env: { ...parent.env } };
  for (const l of s.lines) {
    const [op, ...rest] = l.split(/\s+/);
    const arg = rest.join(' ');
    if (op === 'ENTRYPOINT') c.entrypoint = JSON.parse(arg) as string[];
    if (op === 'CMD') c.cmd = JSON.parse(arg) as string[];
    if (op === 'USER') c.user = arg;
    const env = op === 'ENV' ? /^(\w+)="(.*)"$/.exec(arg) : null;
    if (env?.[1]) c.env[env[1]] = env[2] ?? '';
  }
  return c;
}

const text = readFileSync(DOCKERFILE, 'utf8');
const all = stages(text);

describe('deploy/images/docker/Dockerfile', () => {
  it('builds offline: no syntax directive (BuildKit would pull it), no RUN, a local default BASE', () => {
    expect(text).not.toMatch(/^#\s*syntax=/m);
    expect(text).not.toMatch(/^RUN\b/m);
    expect(text).toMatch(new RegExp(`^ARG BASE=${BASE_IMAGE_NAME}:trixie$`, 'm'));
  });

  it('has a target for every image the install and the bookinfo manifests name', async () => {
    const refs = await manifestImageRefs();
    expect(refs).toEqual(
      expect.arrayContaining([
        'docker.io/istio/pilot:1.30.0',
        'docker.io/istio/ztunnel:1.30.0',
        'docker.io/istio/install-cni:1.30.0',
        'docker.io/istio/proxyv2:1.30.0',
        'registry.istio.io/release/examples-bookinfo-productpage-v1:1.20.3',
        'docker.io/curlimages/curl:8.16.0',
      ]),
    );
    for (const ref of refs) expect(all.has(targetFor(ref).target), ref).toBe(true);
  });

  it('names only images the local image table maps too (both clusters run the same names)', async () => {
    const table = JSON.parse(readFileSync(IMAGE_TABLE, 'utf8')) as {
      mirrors: Record<string, string>;
      images: { repository: string }[];
    };
    // The table's own lookup rules: tags and docker.io spellings ignored, mirrors equivalent.
    const canonical = (ref: string): string => {
      let r = repositoryOf(ref).replace(/^docker\.io\//, '');
      for (const [from, to] of Object.entries(table.mirrors))
        if (r.startsWith(`${from}/`)) r = to.replace(/^docker\.io\//, '') + r.slice(from.length);
      return r;
    };
    const mapped = new Set(table.images.map((e) => canonical(e.repository)));
    for (const ref of await manifestImageRefs()) expect(mapped.has(canonical(ref)), ref).toBe(true);
  });

  it('runs istiod and waypoints as 1337, ztunnel and install-cni as root, like upstream', () => {
    expect(config(all, 'pilot').user).toBe('1337:1337');
    expect(config(all, 'proxyv2').user).toBe('1337:1337');
    expect(config(all, 'ztunnel').user).toBeUndefined();
    expect(config(all, 'install-cni').user).toBeUndefined();
    expect(config(all, 'proxyv2').entrypoint).toEqual(['node', '/app/apps/waypoint/dist/main.js']);
  });

  it('gives each bookinfo image the program, env and port the local image table gives it', () => {
    const table = JSON.parse(readFileSync(IMAGE_TABLE, 'utf8')) as {
      images: {
        repository: string;
        entrypoint: string[];
        cmd: string[];
        env?: Record<string, string>;
      }[];
    };
    const bookinfo = table.images.filter((e) => e.repository.includes('examples-bookinfo-'));
    expect(bookinfo).toHaveLength(6);
    for (const e of bookinfo) {
      const c = config(all, targetFor(e.repository).target);
      const inImage = e.entrypoint.map((a) =>
        a.replace('${node}', 'node').replace('${repo}/', '/app/'),
      );
      expect(c.entrypoint, e.repository).toEqual(inImage);
      expect(c.cmd, e.repository).toEqual(e.cmd);
      expect(c.env, e.repository).toEqual(e.env ?? {});
    }
  });
});

describe('image targets', () => {
  it('are the last segment of the repository, whatever registry and tag', () => {
    expect(targetFor('docker.io/istio/pilot:1.30.0').target).toBe('pilot');
    expect(targetFor('localhost:5000/mesh/proxyv2@sha256:ab').contents).toEqual({
      kind: 'program',
      project: 'apps/waypoint',
    });
    expect(targetFor('registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3').context).toBe(
      'bookinfo',
    );
    expect(() => targetFor('nginx:1')).toThrow(UnknownImageError);
  });

  it("are found in pod templates, pods and *_IMAGE env values (istiod's WAYPOINT_IMAGE)", () => {
    const istiod = {
      spec: {
        template: {
          spec: {
            containers: [
              {
                image: 'docker.io/istio/pilot:1.30.0',
                env: [
                  { name: 'WAYPOINT_IMAGE', value: 'docker.io/istio/proxyv2:1.30.0' },
                  { name: 'CLUSTER_ID', value: 'Kubernetes' },
                ],
              },
            ],
          },
        },
      },
    };
    const pod = {
      spec: {
        initContainers: [{ image: 'a:1' }],
        containers: [{ image: 'docker.io/istio/pilot:1.30.0' }],
      },
    };
    expect(imagesIn([istiod, pod, { kind: 'Service', spec: {} }])).toEqual([
      'docker.io/istio/pilot:1.30.0',
      'docker.io/istio/proxyv2:1.30.0',
      'a:1',
    ]);
  });
});

describe('the input hash of an image', () => {
  it('changes with the Dockerfile, the target, the reference, the base and the staged files', () => {
    const args = ['FROM x', 'pilot', 'docker.io/istio/pilot:1', 'base1', 'ctx1'] as const;
    const h = imageInputHash(...args);
    expect(imageInputHash(...args)).toBe(h);
    for (let i = 0; i < args.length; i++) {
      const changed = args.map((a, j) => (j === i ? `${a}!` : a)) as [
        string,
        string,
        string,
        string,
        string,
      ];
      expect(imageInputHash(...changed), `argument ${i}`).not.toBe(h);
    }
  });
});
