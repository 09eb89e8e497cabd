// One HBONE rig (server + pool on loopback) and one echo upstream per test,
// closed after it: the set-up server, pool and bad-input tests share. A test
// adds its own cleanups (raw sessions, sockets); they run first, in order,
// then the rig and the upstream close.

import type { Duplex } from 'node:stream';
import { afterEach } from 'vitest';
import {
  drain,
  echo,
  rig,
  tcpUpstream,
  type Rig,
  type RigOptions,
  type Upstream,
} from './harness.js';

export interface RigPerTest {
  /** What the current test opened besides the rig; run after it, in order. */
  readonly cleanups: (() => unknown)[];
  /** A rig and an echo upstream for this test; `target` is the upstream's address. */
  readonly setup: (opts?: RigOptions) => Promise<{ r: Rig; target: string; up: Upstream }>;
}

/** Call at the top of a test file: registers the afterEach that closes what `setup` opened. */
export function rigPerTest(): RigPerTest {
  let r: Rig | undefined;
  let up: Upstream | undefined;
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
    await r?.close();
    await up?.close();
    r = undefined;
    up = undefined;
  });
  return {
    cleanups,
    setup: async (opts = {}) => {
      up = await tcpUpstream(echo);
      r = await rig(opts);
      return { r, target: `127.0.0.1:${up.port}`, up };
    },
  };
}

/** Sends `text` through an echo tunnel and ends it; the number of bytes echoed back. */
export async function echoOnce(tunnel: Duplex, text: string): Promise<number> {
  const got = drain(tunnel);
  tunnel.end(text);
  return (await got).bytes;
}
