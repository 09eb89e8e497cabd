import { describe, expect, it } from 'vitest';
import { aptMirror, BASE_PACKAGES, nodeVersionInStatus, recipeHash } from './debian-base.js';

describe('the Debian base', () => {
  it("uses this machine's Debian archive from deb822 sources, not its security or third-party ones", () => {
    const deb822 = [
      'Types: deb',
      'URIs: http://deb.debian.org/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Types: deb',
      'URIs: http://mirror.example/debian/',
      'Suites: bookworm bookworm-updates',
      'Components: main',
    ].join('\n');
    const nodesource = 'Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\n';
    expect(aptMirror([nodesource, deb822])).toBe('http://mirror.example/debian');
  });

  it('reads one-line sources too, and falls back to deb.debian.org', () => {
    expect(aptMirror(['# x\ndeb [arch=amd64] http://ftp.example.org/debian trixie main\n'])).toBe(
      'http://ftp.example.org/debian',
    );
    expect(aptMirror([])).toBe('http://deb.debian.org/debian');
  });

  it("finds Node's Debian version in the rootfs's dpkg status", () => {
    const status =
      'Package: libc6\nVersion: 2.41\n\nPackage: nodejs\nStatus: install ok installed\nVersion: 20.19.2+dfsg-1\n';
    expect(nodeVersionInStatus(status)).toBe('20.19.2+dfsg-1');
    expect(nodeVersionInStatus('Package: libc6\nVersion: 2.41\n')).toBeUndefined();
  });

  it('is keyed by its recipe: another suite, mirror or package list is another base', () => {
    const r = { suite: 'trixie', mirror: 'http://deb.debian.org/debian', packages: BASE_PACKAGES };
    const h = recipeHash(r);
    expect(recipeHash({ ...r })).toBe(h);
    expect(recipeHash({ ...r, suite: 'forky' })).not.toBe(h);
    expect(recipeHash({ ...r, mirror: 'http://x/debian' })).not.toBe(h);
    expect(recipeHash({ ...r, packages: [...BASE_PACKAGES, 'strace'] })).not.toBe(h);
  });
});
