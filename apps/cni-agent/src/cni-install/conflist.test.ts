import { describe, expect, it } from 'vitest';
import {
  conflistFileName,
  hasEntry,
  insertIstioCni,
  parseNetworkConfig,
  pickPrimaryConfFile,
  removeIstioCni,
  serializeConfList,
} from './conflist.js';
import { CniConfigError } from '../errors.js';

const ptp = {
  cniVersion: '1.0.0',
  name: 'netns-kubelet',
  plugins: [
    {
      type: 'ptp',
      ipMasq: false,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]] },
    },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
  someVendorKey: { keep: true },
};
const entry = { name: 'istio-cni', type: 'istio-cni', cni_agent_run_dir: '/var/run/istio-cni' };

describe('chaining istio-cni into the node conflist', () => {
  it('appends our entry after the existing plugins and keeps everything else', () => {
    const out = insertIstioCni(ptp, entry);
    expect((out.plugins as { type: string }[]).map((p) => p.type)).toEqual([
      'ptp',
      'portmap',
      'istio-cni',
    ]);
    expect(out.someVendorKey).toEqual({ keep: true });
    expect(out.name).toBe('netns-kubelet');
  });

  it('is idempotent: inserting twice equals inserting once', () => {
    const once = insertIstioCni(ptp, entry);
    expect(insertIstioCni(once, entry)).toEqual(once);
  });

  it('replaces a stale entry in place instead of adding a second one', () => {
    const stale = insertIstioCni(ptp, { ...entry, plugin_log_level: 'debug' });
    const withTail = { ...stale, plugins: [...(stale.plugins as object[]), { type: 'bandwidth' }] };
    const out = insertIstioCni(withTail, entry);
    expect((out.plugins as { type: string }[]).map((p) => p.type)).toEqual([
      'ptp',
      'portmap',
      'istio-cni',
      'bandwidth',
    ]);
    expect(hasEntry(out, entry)).toBe(true);
    expect(hasEntry(stale, entry)).toBe(false);
  });

  it('removal restores the original exactly and is idempotent', () => {
    const removed = removeIstioCni(insertIstioCni(ptp, entry));
    expect(removed).toEqual(ptp);
    expect(removeIstioCni(removed)).toEqual(ptp);
    expect(serializeConfList(removed)).toBe(serializeConfList(ptp));
  });

  it('compares entries regardless of key order', () => {
    const reordered = Object.fromEntries(Object.entries(entry).reverse());
    expect(hasEntry(insertIstioCni(ptp, entry), reordered)).toBe(true);
  });

  it('refuses an entry of another type', () => {
    expect(() => insertIstioCni(ptp, { type: 'bridge' })).toThrow(CniConfigError);
  });
});

describe('reading the node network configuration', () => {
  it('converts a single-plugin .conf into a one-plugin list', () => {
    const conf = parseNetworkConfig(
      JSON.stringify({ cniVersion: '0.4.0', name: 'bridge-net', type: 'bridge', bridge: 'cni0' }),
      '10-bridge.conf',
    );
    expect(conf).toEqual({
      cniVersion: '0.4.0',
      name: 'bridge-net',
      plugins: [{ type: 'bridge', bridge: 'cni0' }],
    });
    expect(conflistFileName('10-bridge.conf')).toBe('10-bridge.conflist');
    expect(conflistFileName('10-kindnet.conflist')).toBe('10-kindnet.conflist');
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['an array', '[]', /JSON object/],
    ['no plugins or type', '{"name":"x"}', /neither "plugins" nor "type"/],
    ['a plugin without type', '{"name":"x","plugins":[{}]}', /plugins\[0\] has no "type"/],
  ])('rejects %s naming the file', (_n, text, message) => {
    expect(() => parseNetworkConfig(text, '/etc/cni/net.d/x.conflist')).toThrow(message);
  });

  it('picks the first .conflist in lexical order, then .conf, ignoring hidden temp files', () => {
    expect(
      pickPrimaryConfFile(['20-b.conflist', '10-a.conf', '15-c.conflist', '.00-tmp.conflist']),
    ).toBe('15-c.conflist');
    expect(pickPrimaryConfFile(['10-a.conf', 'kubeconfig'])).toBe('10-a.conf');
    expect(pickPrimaryConfFile(['istio-cni-kubeconfig'])).toBeUndefined();
  });
});
