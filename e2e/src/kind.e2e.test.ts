// The same scenarios as on the local cluster, on kind (podman provider in a
// private sandbox, our node image): bookinfo, then the ambient scenario, then
// the check that ending the sandbox leaves the host as it was.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { leftoverEngineCgroups, liveSandboxPids } from '@ambient-ts/container-sandbox';
import { consoleProgress, hostNetworkDiff } from '@ambient-ts/local-cluster';
import { readE2eEnv } from './config.js';
import { KindDriver } from './drivers/kind-driver.js';
import './provided.js';
import { AMBIENT_NOT_OPTED_IN, ambientScenario } from './scenarios/ambient.js';
import { bookinfoScenario } from './scenarios/bookinfo.js';
import { formatTimings, type Timings } from './timings.js';

const provided = inject('kindCluster');
const env = readE2eEnv();
if (provided.notRun) console.warn(`[e2e kind] bookinfo scenario NOT RUN: ${provided.notRun}`);
if (!provided.notRun && !env.ambient)
  console.warn(`[e2e kind] ambient scenario NOT RUN: ${AMBIENT_NOT_OPTED_IN}`);

describe.skipIf(provided.notRun !== undefined)('bookinfo on kind', () => {
  let driver: KindDriver | undefined;
  let failed = false;
  const timings: Timings = { ...provided.timings };

  beforeAll(() => {
    if (!provided.attachment) throw new Error('the kind globalSetup provided no cluster');
    driver = KindDriver.attach(provided.attachment);
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(() => {
    console.log(formatTimings('kind', timings));
  });

  let exported = false;
  async function exportLogsIfFailed(): Promise<void> {
    if (!failed || exported || !driver) return;
    exported = true;
    const dir = path.join(env.artifactsDir, `kind-${Date.now()}`);
    await driver.exportLogs(dir);
    console.warn(`[e2e kind] a step failed; kind logs exported to ${dir}`);
  }

  const theDriver = (): KindDriver => {
    if (!driver) throw new Error('no kind driver (globalSetup failed?)');
    return driver;
  };

  bookinfoScenario({ driver: theDriver, timings, beforeCleanup: exportLogsIfFailed });

  describe.skipIf(!env.ambient)('bookinfo in ambient mode', () => {
    ambientScenario({
      driver: theDriver,
      timings,
      progress: consoleProgress('e2e kind ambient'),
      beforeCleanup: exportLogsIfFailed,
    });
  });

  it(
    'leaves the host network namespaces, interfaces, routes, iptables and cgroups unchanged once the sandbox ends',
    async (ctx) => {
      await exportLogsIfFailed();
      const started = Date.now();
      await theDriver().destroyAndEndSandbox();
      timings['kind delete + sandbox end'] = Date.now() - started;
      expect(await hostNetworkDiff(provided.hostBefore!)).toEqual([]);
      if ((await liveSandboxPids()).length > 0) {
        // Another container sandbox (an image build) is alive: the last one removes the dirs.
        console.warn('[e2e kind] cgroup check NOT RUN: another container sandbox is alive');
        ctx.skip();
      }
      expect(await leftoverEngineCgroups()).toEqual([]);
    },
    3 * 60_000,
  );
});
