import { describe, expect, it } from 'vitest';
import { baseImageRef, podmanBuildArgv } from './podman-builds.js';

describe('podman steps', () => {
  it('build one target offline: no network, no pulls, the base named by its recipe', () => {
    const argv = podmanBuildArgv({
      dockerfile: '/repo/deploy/images/docker/Dockerfile',
      contextRoot: '/cache/images/context',
      target: 'pilot',
      ref: 'docker.io/istio/pilot:1.30.0',
      baseRef: 'localhost/ambient-ts/node-base:trixie-abc',
    });
    expect(argv.slice(0, 2)).toEqual(['podman', 'build']);
    expect(argv).toContain('--network=none');
    expect(argv).toContain('--pull=never');
    expect(argv.join(' ')).toContain('--target pilot');
    expect(argv.join(' ')).toContain('--build-arg BASE=localhost/ambient-ts/node-base:trixie-abc');
    expect(argv.join(' ')).toContain('-t docker.io/istio/pilot:1.30.0');
    expect(argv.at(-1)).toBe('/cache/images/context');
  });

  it('tag the imported base with its recipe hash, so a new recipe never reuses an old import', () => {
    const base = {
      recipe: { suite: 'trixie', mirror: 'm', packages: [] },
      tarball: '/t.tar',
      hash: '0123',
      image: 'localhost/ambient-ts/node-base:trixie',
      nodeVersion: '20.19.2',
    };
    expect(baseImageRef(base)).toBe('localhost/ambient-ts/node-base:trixie-0123');
  });
});
