// Owns the kind cluster for the "kind" project where Docker and kind exist:
// creates it, builds our images under the upstream names the manifests use
// and loads them, and deletes the cluster at the end. Elsewhere it provides
// the reason the suite did not run.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { execa } from 'execa';
import { consoleProgress, parseManifests } from '@ambient-ts/local-cluster';
import { readE2eEnv } from './config.js';
import { MESH_MANIFEST } from './ambient/mesh-names.js';
import { imageBuildsFor, imagesIn, meshImageBuilds } from './drivers/image-builds.js';
import { KindDriver, kindUnavailableReason, readImageTable } from './drivers/kind-driver.js';
import './provided.js';
import { IMAGE_TABLE, REPO_ROOT } from './repo.js';
import { bookinfoManifestText } from './scenarios/bookinfo.js';

const MESH_DOCKERFILE = path.join(REPO_ROOT, 'deploy', 'images', 'docker', 'Dockerfile');

export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const env = readE2eEnv();
  const tools = { kind: env.kindBinary, docker: env.dockerBinary };
  const notRun = await kindUnavailableReason(tools);
  if (notRun) {
    project.provide('kindCluster', { notRun });
    return undefined;
  }
  const progress = consoleProgress('e2e kind');
  await execa('npm', ['run', '-s', 'build', '-w', '@ambient-ts/bookinfo'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  const started = Date.now();
  const driver = await KindDriver.create(env.kindClusterName, tools, progress);
  const created = Date.now() - started;
  const objects = (await bookinfoManifestText()).flatMap((t) => parseManifests(t));
  const table = await readImageTable(IMAGE_TABLE);
  const loadStarted = Date.now();
  await driver.loadImages(
    imageBuildsFor(imagesIn(objects), table.images, table.mirrors ?? {}),
    REPO_ROOT,
    progress,
  );
  if (env.ambient) {
    // The mesh's images come from the deploy Dockerfile (a workspace build inside it).
    const mesh = parseManifests(await readFile(MESH_MANIFEST, 'utf8'), MESH_MANIFEST);
    await driver.loadImages(meshImageBuilds(imagesIn(mesh), MESH_DOCKERFILE), REPO_ROOT, progress);
  }
  project.provide('kindCluster', {
    clusterName: env.kindClusterName,
    kubeconfig: driver.kubeconfigPath,
    timings: { 'kind create cluster': created, 'build and load images': Date.now() - loadStarted },
  });
  return async () => {
    await driver.destroy();
  };
}
