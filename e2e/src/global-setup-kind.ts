// Owns the kind cluster for the "kind" project: snapshots the host network,
// then — in parallel — builds our images into docker-archives (K1's
// buildImageArchives, in its own container sandbox) and creates the kind
// cluster in the "kind" sandbox (kind built with go install, the node image
// assembled from our Kubernetes build), loads the archives, and hands the test
// files an attachment. The test file destroys the cluster itself to check that
// the host is as it was; the teardown here is the backstop.
import type { TestProject } from 'vitest/node';
import { consoleProgress, formatDuration, snapshotHostNetwork } from '@ambient-ts/local-cluster';
import { readE2eEnv } from './config.js';
import { buildImageArchives } from './drivers/image-builds.js';
import { KindDriver, kindUnavailableReason } from './drivers/kind-driver.js';
import './provided.js';

export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const env = readE2eEnv();
  const notRun = await kindUnavailableReason();
  if (notRun) {
    project.provide('kindCluster', { notRun });
    return undefined;
  }
  const progress = consoleProgress('e2e kind');
  const hostBefore = await snapshotHostNetwork();
  const started = Date.now();
  const timings: Record<string, number> = {};
  const [archives, driver] = await Promise.all([
    buildImageArchives(consoleProgress('e2e kind images')).then((a) => {
      timings['images (build or cache)'] = Date.now() - started;
      return a;
    }),
    KindDriver.create({
      name: env.kindClusterName,
      workers: 1,
      progress,
      artifactsDir: env.artifactsDir,
    }),
  ]).catch((err: unknown) => {
    progress(`kind setup failed after ${formatDuration(Date.now() - started)}`);
    throw err;
  });
  const loadStarted = Date.now();
  try {
    await driver.loadImageArchives(archives, progress);
  } catch (err) {
    await driver.exportLogs(`${env.artifactsDir}/kind-load-${Date.now()}`);
    await driver.destroy();
    throw err;
  }
  timings[`kind load image-archive (${archives.length} images × 2 nodes)`] =
    Date.now() - loadStarted;
  project.provide('kindCluster', {
    attachment: driver.attachment,
    hostBefore,
    timings: { ...driver.timings, ...timings },
  });
  return async () => {
    await driver.destroy();
  };
}
