import { describe, expect, it } from 'vitest';
import { HboneConfigError } from './errors.js';
import { DEFAULT_HBONE_SETTINGS, resolveSettings } from './settings.js';

describe('HBONE settings', () => {
  it('defaults to upstream ztunnel values', () => {
    expect(DEFAULT_HBONE_SETTINGS).toMatchObject({
      streamWindowBytes: 4194304,
      connectionWindowBytes: 16777216,
      maxFrameBytes: 1048576,
      serverMaxConcurrentStreams: 200,
      serverMaxHeaderListBytes: 65536,
      clientMaxHeaderListBytes: 16384,
      poolMaxStreamsPerConnection: 100,
      poolIdleReleaseMs: 300000,
      connectTimeoutMs: 10000,
      pingIntervalMs: 10000,
      pingTimeoutMs: 20000,
    });
    expect(resolveSettings()).toEqual(DEFAULT_HBONE_SETTINGS);
  });

  it('overlays overrides', () => {
    expect(resolveSettings({ poolMaxStreamsPerConnection: 7 }).poolMaxStreamsPerConnection).toBe(7);
  });

  it.each([
    [{ maxFrameBytes: 1000 }, /maxFrameBytes/],
    [{ maxFrameBytes: 2 ** 24 }, /maxFrameBytes/],
    [{ streamWindowBytes: 2 ** 31 }, /streamWindowBytes/],
    [{ poolMaxStreamsPerConnection: 0 }, /poolMaxStreamsPerConnection/],
    [{ pingIntervalMs: 1.5 }, /pingIntervalMs/],
    [{ connectionWindowBytes: 65535 }, /below streamWindowBytes/],
  ])('refuses %j', (bad, message) => {
    expect(() => resolveSettings(bad)).toThrow(HboneConfigError);
    expect(() => resolveSettings(bad)).toThrow(message);
  });
});
