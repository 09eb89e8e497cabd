import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  readdirSync,
  existsSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog } from '../log.js';
import { CniInstaller, launcherScript } from './installer.js';
import { CniConfigError } from '../errors.js';

const entry = { name: 'istio-cni', type: 'istio-cni', cni_agent_run_dir: '/var/run/istio-cni' };
const original = {
  cniVersion: '1.0.0',
  name: 'kindnet',
  plugins: [
    { type: 'ptp', ipam: { type: 'host-local' } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

describe('installing the chained plugin on a node', () => {
  let root: string;
  let confDir: string;
  let binDir: string;
  let installer: CniInstaller;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'cni-install-'));
    confDir = path.join(root, 'etc/cni/net.d');
    binDir = path.join(root, 'opt/cni/bin');
    mkdirSync(confDir, { recursive: true });
    installer = new CniInstaller({
      confDir,
      binDir,
      plugin: {
        kind: 'launcher',
        node: process.execPath,
        nodeArgs: [],
        script: path.join(root, 'plugin.mjs'),
      },
      entry,
      kubeconfig: {
        path: path.join(root, 'run/istio-cni-kubeconfig'),
        content: () => Promise.resolve('{"kind":"Config"}\n'),
      },
      log: silentLog,
      recheckMs: 50,
    });
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const conf = (name = '10-kindnet.conflist') =>
    JSON.parse(readFileSync(path.join(confDir, name), 'utf8')) as typeof original;

  it('waits for the node network config rather than inventing one', async () => {
    await expect(installer.install()).rejects.toBeInstanceOf(CniConfigError);
    expect(readdirSync(confDir)).toEqual([]);
  });

  it('writes an executable launcher, the kubeconfig (0600) and chains our entry last', async () => {
    writeFileSync(path.join(confDir, '10-kindnet.conflist'), JSON.stringify(original));
    writeFileSync(
      path.join(root, 'plugin.mjs'),
      'console.log(JSON.stringify({self: process.env.ISTIO_CNI_SELF, argv: process.argv.slice(2)}))\n',
    );
    await installer.install();
    expect(conf().plugins.map((p) => p.type)).toEqual(['ptp', 'portmap', 'istio-cni']);
    const bin = path.join(binDir, 'istio-cni');
    expect(statSync(bin).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(root, 'run/istio-cni-kubeconfig')).mode & 0o777).toBe(0o600);
    // The launcher really runs the plugin and tells it where it was run from.
    const out = JSON.parse(execFileSync(bin, ['x'], { encoding: 'utf8' })) as {
      self: string;
      argv: string[];
    };
    expect(out).toEqual({ self: bin, argv: ['x'] });
  });

  it('converts a .conf into a .conflist', async () => {
    writeFileSync(
      path.join(confDir, '10-bridge.conf'),
      JSON.stringify({ cniVersion: '0.4.0', name: 'b', type: 'bridge' }),
    );
    await installer.install();
    expect(readdirSync(confDir)).toEqual(['10-bridge.conflist']);
    expect(conf('10-bridge.conflist').plugins.map((p) => p.type)).toEqual(['bridge', 'istio-cni']);
  });

  it('re-inserts the entry when another CNI rewrites its config, and uninstall restores it exactly', async () => {
    const file = path.join(confDir, '10-kindnet.conflist');
    writeFileSync(file, JSON.stringify(original));
    await installer.install();
    const ac = new AbortController();
    installer.watch(ac.signal, () => undefined);
    writeFileSync(file, JSON.stringify(original)); // the primary CNI rewrites its file
    await expect
      .poll(() => conf().plugins.map((p) => p.type), { timeout: 3_000 })
      .toContain('istio-cni');
    ac.abort();
    await installer.uninstall();
    expect(conf()).toEqual(original);
    expect(existsSync(path.join(binDir, 'istio-cni'))).toBe(false);
    expect(existsSync(path.join(root, 'run/istio-cni-kubeconfig'))).toBe(false);
  });

  it('a second install changes nothing', async () => {
    const file = path.join(confDir, '10-kindnet.conflist');
    writeFileSync(file, JSON.stringify(original));
    await installer.install();
    const before = readFileSync(file, 'utf8');
    expect(await installer.ensureEntry()).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('the launcher quotes paths with spaces and quotes', () => {
    expect(launcherScript('/a b/node', ['--x'], "/it's/main.js")).toContain(
      `exec '/a b/node' '--x' '/it'\\''s/main.js' "$@"`,
    );
  });
});

describe('installing a prebuilt plugin directory (images)', () => {
  it('copies files and subdirectories, keeps them executable, and removes them on uninstall', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cni-copy-'));
    try {
      const src = path.join(root, 'src');
      mkdirSync(path.join(src, 'istio-cni-lib'), { recursive: true });
      writeFileSync(path.join(src, 'istio-cni'), '#!/bin/sh\necho "{}"\n');
      writeFileSync(path.join(src, 'istio-cni-lib', 'libx.so'), 'lib');
      const confDir = path.join(root, 'net.d');
      mkdirSync(confDir);
      writeFileSync(path.join(confDir, '10-a.conflist'), JSON.stringify(original));
      const binDir = path.join(root, 'bin');
      const installer = new CniInstaller({
        confDir,
        binDir,
        plugin: { kind: 'copy-dir', dir: src },
        entry,
        kubeconfig: { path: path.join(root, 'kc'), content: () => Promise.resolve('{}') },
        log: silentLog,
      });
      await installer.install();
      expect(readFileSync(path.join(binDir, 'istio-cni-lib', 'libx.so'), 'utf8')).toBe('lib');
      expect(execFileSync(path.join(binDir, 'istio-cni'), { encoding: 'utf8' })).toBe('{}\n');
      await installer.uninstall();
      expect(readdirSync(binDir)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
