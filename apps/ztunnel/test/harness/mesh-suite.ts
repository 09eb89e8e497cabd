// The life of a Mesh across one describe block, as every netns test runs it:
// create the mesh, let the test add its ztunnels, pods and apps, wait until
// xDS has synced, every ztunnel is ready and the pods the test names are
// served; afterwards close the apps, then the mesh (also when set-up failed).

import { afterAll, beforeAll } from 'vitest';
import type { EchoServer } from './apps.js';
import { Mesh, type MeshPod } from './mesh.js';

/**
 * Registers the describe block's beforeAll/afterAll. `build` gets the new mesh,
 * pushes the apps it starts to `apps` (closed after the tests, in order) and
 * returns the pods whose ztunnel must be serving before the tests start.
 */
export function meshForSuite(
  apps: EchoServer[],
  build: (mesh: Mesh) => Promise<readonly MeshPod[]>,
): void {
  let mesh: Mesh | undefined;
  beforeAll(async () => {
    const m = await Mesh.create();
    mesh = m;
    try {
      const served = await build(m);
      await m.synced();
      await m.ready();
      for (const pod of served) await m.serving(pod);
    } catch (err) {
      await m.close();
      throw err;
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await mesh?.close();
  });
}
