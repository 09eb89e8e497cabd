// Owns the local cluster for the "local" project: builds bookinfo (the
// cluster runs its dist/; unless AMBIENT_E2E=0, the mesh's programs too), snapshots the host network, creates the cluster
// (building or reusing the Kubernetes binaries), and destroys it at the end.
// On a host that cannot run it, it provides the reason instead.
import type { TestProject } from 'vitest/node';
import { execa } from 'execa';
import {
  consoleProgress,
  localClusterUnsupportedReason,
  snapshotHostNetwork,
} from '@ambient-ts/local-cluster';
import { BOOKINFO_PROJECT, MESH_PROJECTS } from './ambient/mesh-names.js';
import { readE2eEnv } from './config.js';
import { LocalDriver } from './drivers/local-driver.js';
import './provided.js';
import { REPO_ROOT } from './repo.js';
import { buildProjects } from './workspace-build.js';

export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const env = readE2eEnv();
  const notRun = await localClusterUnsupportedReason();
  if (notRun) {
    project.provide('localCluster', { notRun });
    return undefined;
  }
  const progress = consoleProgress('e2e local');
  if (env.ambient) {
    // The ambient scenario also runs the mesh's programs from their dist/.
    await buildProjects([BOOKINFO_PROJECT, ...MESH_PROJECTS], progress);
  } else {
    progress('building e2e/bookinfo (the cluster runs its dist/ for the bookinfo images)');
    await execa('npm', ['run', '-s', 'build', '-w', '@ambient-ts/bookinfo'], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
  }
  const hostBefore = await snapshotHostNetwork();
  const driver = await LocalDriver.create({
    name: env.localClusterName,
    nodes: env.localNodes,
    progress,
    ownerPid: process.pid,
  });
  const t = driver.cluster.timings;
  project.provide('localCluster', {
    clusterName: env.localClusterName,
    hostBefore,
    timings: t
      ? {
          [`kubernetes binaries (${t.binaries.cached ? 'cache hit' : 'built'})`]:
            t.binaries.elapsedMs,
          'cluster start (daemon → ready)': t.startMs,
          'createCluster total': t.totalMs,
        }
      : {},
  });
  return async () => {
    // The scenario destroys the cluster itself to check the host; this is
    // the backstop when it did not get that far.
    if (await driver.cluster.running()) await driver.destroy();
  };
}
