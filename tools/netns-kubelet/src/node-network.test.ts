import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONF_FILE, ensureCniConf } from './node-network.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'nk-net-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ensureCniConf', () => {
  it('writes a ptp conflist over the pod CIDR with IPAM state under the node root when the dir has none', async () => {
    const d = tmp();
    const r = await ensureCniConf(path.join(d, 'net.d'), ['10.244.3.0/24'], '/nodes/n3');
    expect(r).toEqual({ file: path.join(d, 'net.d', CONF_FILE), written: true });
    const conf = JSON.parse(readFileSync(r.file, 'utf8')) as {
      plugins: { ipam: { dataDir: string; ranges: unknown } }[];
    };
    expect(conf.plugins[0]?.ipam).toMatchObject({
      dataDir: '/nodes/n3/var/lib/cni/networks',
      ranges: [[{ subnet: '10.244.3.0/24' }]],
    });
  });
  it('leaves a network someone else wrote, also one that appears while it waits', async () => {
    const d = tmp();
    writeFileSync(path.join(d, '05-other.conflist'), '{}');
    expect(await ensureCniConf(d, ['10.244.3.0/24'], '/n')).toEqual({
      file: path.join(d, '05-other.conflist'),
      written: false,
    });
    const late = tmp();
    setTimeout(() => {
      writeFileSync(path.join(late, '10-ambient-ts.conflist'), '{}');
    }, 300);
    expect((await ensureCniConf(late, ['10.244.3.0/24'], '/n', 5000)).written).toBe(false);
    expect(readdirSync(late)).toEqual(['10-ambient-ts.conflist']);
  });
});
