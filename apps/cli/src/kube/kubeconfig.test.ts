import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultNamespace,
  kubeconfigFiles,
  loadKubeConfig,
  type KubeconfigLocation,
} from './kubeconfig.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'istioctl-kubeconfig-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(
  name: string,
  clusters: [string, string][],
  contexts: [string, string, string?][],
  current = '',
): string {
  const p = path.join(dir, name);
  writeFileSync(
    p,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...clusters.map(([n, server]) => `- name: ${n}\n  cluster:\n    server: ${server}`),
      'users:',
      '- name: u\n  user:\n    token: t',
      'contexts:',
      ...contexts.map(
        ([n, c, ns]) =>
          `- name: ${n}\n  context:\n    cluster: ${c}\n    user: u${ns ? `\n    namespace: ${ns}` : ''}`,
      ),
      `current-context: "${current}"`,
    ].join('\n'),
  );
  return p;
}

const at = (location: Partial<KubeconfigLocation>): KubeconfigLocation => ({
  explicitPath: '',
  envPaths: [],
  homePath: undefined,
  inCluster: false,
  ...location,
});

describe('kubeconfig loading (client-go rules)', () => {
  it('merges KUBECONFIG files: the first file defining a name wins, missing files are skipped', () => {
    const a = file('a', [['c1', 'https://a.example:6443']], [['ctx', 'c1', 'from-a']], '');
    const b = file(
      'b',
      [
        ['c1', 'https://b.example:6443'],
        ['c2', 'https://c2.example:6443'],
      ],
      [
        ['ctx', 'c2', 'from-b'],
        ['other', 'c2'],
      ],
      'ctx',
    );
    const location = at({ envPaths: [path.join(dir, 'missing'), a, b] });
    expect(kubeconfigFiles(location)).toEqual([a, b]);
    const config = loadKubeConfig(location, '');
    expect(config.currentContext).toBe('ctx');
    expect(config.getCurrentCluster()?.server).toBe('https://a.example:6443');
    expect(defaultNamespace(location, '')).toBe('from-a');
    expect(defaultNamespace(location, 'other')).toBe('default');
    expect(loadKubeConfig(location, 'other').getCurrentCluster()?.server).toBe(
      'https://c2.example:6443',
    );
  });

  it('prefers --kubeconfig over KUBECONFIG, and KUBECONFIG over ~/.kube/config', () => {
    const a = file('a', [['c', 'https://explicit:1']], [['x', 'c']], 'x');
    const b = file('b', [['c', 'https://env:1']], [['x', 'c']], 'x');
    const home = file('home', [['c', 'https://home:1']], [['x', 'c', 'home-ns']], 'x');
    expect(
      loadKubeConfig(at({ explicitPath: a, envPaths: [b], homePath: home }), '').getCurrentCluster()
        ?.server,
    ).toBe('https://explicit:1');
    expect(
      loadKubeConfig(at({ envPaths: [b], homePath: home }), '').getCurrentCluster()?.server,
    ).toBe('https://env:1');
    expect(defaultNamespace(at({ homePath: home }), '')).toBe('home-ns');
  });

  it('says what is wrong: a missing --kubeconfig, no configuration, an unknown context', () => {
    expect(() => loadKubeConfig(at({ explicitPath: '/nope/config' }), '')).toThrow(
      'stat /nope/config: no such file or directory',
    );
    expect(() => loadKubeConfig(at({}), '')).toThrow(/no configuration has been provided/);
    const a = file('a', [['c', 'https://a:1']], [['x', 'c']], 'x');
    expect(() => loadKubeConfig(at({ envPaths: [a] }), 'y')).toThrow('context "y" does not exist');
    expect(defaultNamespace(at({ explicitPath: '/nope/config' }), '')).toBe('default');
  });

  it('lets a plain-http server through (client-go does; client-node wants skipTLSVerify)', () => {
    const a = file('a', [['c', 'http://127.0.0.1:8001']], [['x', 'c']], 'x');
    expect(loadKubeConfig(at({ envPaths: [a] }), '').getCurrentCluster()?.skipTLSVerify).toBe(true);
    const b = file('b', [['c', 'https://127.0.0.1:6443']], [['x', 'c']], 'x');
    expect(
      loadKubeConfig(at({ envPaths: [b] }), '').getCurrentCluster()?.skipTLSVerify,
    ).toBeFalsy();
  });
});
