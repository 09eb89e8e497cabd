// The node's pods by UID: starts a worker for each pod bound here, hands it newer versions of
// the object, stops it on deletion and then finalizes the Pod (delete with grace 0, as kubelet
// does). At start it cleans whatever a previous kubelet run left in the state dir.
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { asNetnsPath } from './brands.js';
import type { CniConfList } from './cni-config.js';
import { processStartTime } from './container-launcher.js';
import { errorMessage } from './errors.js';
import type { Pod } from './k8s-types.js';
import { parsePodDirName, type PodStateFile } from './pod-state-file.js';
import { PodWorker } from './pod-worker.js';
import type { RuntimeDeps } from './runtime-deps.js';

export interface PodFinalizer {
  /** Deletes the Pod object with grace 0 and a UID precondition, once its processes are gone. */
  deletePod(namespace: string, name: string, uid: string): Promise<void>;
}

type StoredState = PodStateFile & { cni?: { confList: CniConfList; result: unknown } };

function graceSeconds(pod: Pod): number {
  return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

export class PodManager {
  private readonly workers = new Map<string, PodWorker>();
  private readonly terminating = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: RuntimeDeps,
    private readonly finalizer: PodFinalizer,
  ) {}

  /**
   * Kills processes, runs CNI DEL and removes netns and directories left by an earlier run of
   * this kubelet (after a crash or restart). Pods that still exist are started afresh by sync().
   */
  async cleanupStale(): Promise<number> {
    const podsDir = path.join(this.deps.config.stateDir, 'pods');
    let dirs: string[] = [];
    try {
      dirs = await readdir(podsDir);
    } catch {
      // first start
    }
    let cleaned = 0;
    for (const d of dirs) {
      if (!parsePodDirName(d)) continue;
      const dir = path.join(podsDir, d);
      let state: StoredState | undefined;
      try {
        state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as StoredState;
      } catch {
        state = undefined;
      }
      if (state) await this.cleanState(state);
      await rm(dir, { recursive: true, force: true });
      cleaned++;
    }
    // netns files no pod dir accounts for (a crash between create and state write)
    for (const name of await this.deps.netns.list())
      await this.deps.netns.remove(this.deps.netns.pathFor(name));
    return cleaned;
  }

  private async cleanState(state: StoredState): Promise<void> {
    for (const c of state.containers) {
      if (c.pid === undefined || !c.pidStartTime) continue;
      // Only the process we started: a recycled pid has another start time.
      if ((await processStartTime(c.pid)) !== c.pidStartTime) continue;
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    if (state.cniAdded && state.cni && !state.hostNetwork) {
      // CNI lets DEL run without a netns when it is gone: plugins still release IPs.
      const live = await this.deps.netns.isLive(asNetnsPath(state.netnsPath));
      try {
        await this.deps.cni.del(
          {
            containerId: state.sandboxID,
            netns: live ? state.netnsPath : '',
            ifName: 'eth0',
            args: {
              IgnoreUnknown: '1',
              K8S_POD_NAMESPACE: state.namespace,
              K8S_POD_NAME: state.name,
              K8S_POD_INFRA_CONTAINER_ID: state.sandboxID,
              K8S_POD_UID: state.uid,
            },
          },
          state.cni.confList,
          state.cni.result,
        );
      } catch (err) {
        this.deps.log.warn(
          { pod: `${state.namespace}/${state.name}`, err: errorMessage(err) },
          'CNI DEL of a stale pod failed',
        );
      }
    }
    if (!state.hostNetwork) await this.deps.netns.remove(asNetnsPath(state.netnsPath));
    this.deps.log.info(
      { pod: `${state.namespace}/${state.name}`, uid: state.uid },
      'cleaned pod left by a previous run',
    );
  }

  /** An added or updated Pod bound to this node. */
  sync(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || pod.spec?.nodeName !== this.deps.config.nodeName) return;
    let worker = this.workers.get(uid);
    if (!worker) {
      const phase = pod.status?.phase;
      if (pod.metadata?.deletionTimestamp) {
        // Nothing of it runs here: finalize right away.
        this.finalize(pod, undefined);
        return;
      }
      if (phase === 'Succeeded' || phase === 'Failed') return;
      const restartCounts = new Map<string, number>();
      for (const s of pod.status?.containerStatuses ?? [])
        restartCounts.set(s.name, s.restartCount);
      for (const s of pod.status?.initContainerStatuses ?? [])
        restartCounts.set(`init/${s.name}`, s.restartCount);
      worker = new PodWorker(this.deps, pod, { restartCounts });
      this.workers.set(uid, worker);
      this.deps.log.info(
        { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, uid },
        'pod added',
      );
      worker.start();
      return;
    }
    worker.update(pod);
    if (pod.metadata?.deletionTimestamp) this.finalize(pod, worker);
  }

  /** The Pod object is gone (force deletion, or our own final delete). */
  remove(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const worker = this.workers.get(uid);
    if (worker && !this.terminating.has(uid)) {
      const done = worker
        .terminate(0)
        .catch((err: unknown) => {
          this.deps.log.error({ uid, err: errorMessage(err) }, 'teardown failed');
        })
        .finally(() => {
          this.workers.delete(uid);
          this.terminating.delete(uid);
        });
      this.terminating.set(uid, done);
    }
  }

  private finalize(pod: Pod, worker: PodWorker | undefined): void {
    const uid = pod.metadata?.uid ?? '';
    if (this.terminating.has(uid)) return;
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const done = (async () => {
      try {
        if (worker) {
          await worker.terminate(graceSeconds(pod));
          this.deps.log.info({ pod: `${ns}/${name}`, uid }, 'pod stopped');
        }
        await this.finalizer.deletePod(ns, name, uid);
      } catch (err) {
        this.deps.log.error(
          { pod: `${ns}/${name}`, err: errorMessage(err) },
          'finalizing pod failed',
        );
      } finally {
        this.workers.delete(uid);
        this.terminating.delete(uid);
      }
    })();
    this.terminating.set(uid, done);
  }

  /** The worker for ns/name (the newest, if a name was reused). */
  find(namespace: string, name: string): PodWorker | undefined {
    let found: PodWorker | undefined;
    for (const w of this.workers.values()) {
      const rec = w.stateDir.split('/').pop() ?? '';
      const p = parsePodDirName(rec);
      if (p?.namespace === namespace && p.name === name) found = w;
    }
    return found;
  }

  get size(): number {
    return this.workers.size;
  }

  /** Stops every pod (kubelet shutdown, tests); maxGraceSeconds caps each pod's grace period. */
  async stopAll(maxGraceSeconds: number): Promise<void> {
    await Promise.all(
      [...this.workers.values()].map((w) =>
        w.terminate(maxGraceSeconds).catch((err: unknown) => {
          this.deps.log.error({ uid: w.uid, err: errorMessage(err) }, 'teardown failed');
        }),
      ),
    );
    await Promise.all(this.terminating.values());
    this.workers.clear();
  }
}
