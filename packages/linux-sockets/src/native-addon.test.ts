import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { expectInstance } from '../test/expect-instance.js';
import { NativeAddonMissingError, UnsupportedPlatformError } from './errors.js';
import { ADDON_PATH, loadNativeAddon, nativeAddon } from './native-addon.js';

const require = createRequire(import.meta.url);

describe('loading the native addon', () => {
  it('refuses non-Linux platforms before touching the file', () => {
    let loaded = false;
    expect(() =>
      loadNativeAddon({
        platform: 'darwin',
        addonPath: ADDON_PATH,
        load: () => {
          loaded = true;
          return {};
        },
      }),
    ).toThrow(UnsupportedPlatformError);
    expect(loaded).toBe(false);
  });

  it('reports a missing build with the path and how to build it', () => {
    const path = `${ADDON_PATH}.does-not-exist`;
    let error: unknown;
    try {
      loadNativeAddon({ platform: 'linux', addonPath: path, load: (p) => require(p) as unknown });
    } catch (e) {
      error = e;
    }
    const missing = expectInstance(error, NativeAddonMissingError);
    expect(missing.addonPath).toBe(path);
    expect(missing.message).toContain(
      'run npm install, or npm run build -w packages/linux-sockets',
    );
    expect((missing.cause as NodeJS.ErrnoException).code).toBe('MODULE_NOT_FOUND');
  });

  it('reports a stale build that lacks functions', () => {
    expect(() =>
      loadNativeAddon({
        platform: 'linux',
        addonPath: 'x.node',
        load: () => ({ openNetns: () => 0 }),
      }),
    ).toThrow(/lacks nsType, closeFd, .*older sources/);
  });

  it.runIf(process.platform === 'linux')(
    'loads the built addon from build/Release next to the package',
    () => {
      expect(ADDON_PATH).toMatch(/packages\/linux-sockets\/build\/Release\/linux_sockets\.node$/);
      expect(typeof nativeAddon().Poller).toBe('function');
    },
  );
});
