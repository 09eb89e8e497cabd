// Enrollment of pods into the ambient mesh, in upstream's order (reference/istiod.md §5.4):
//   add:    in-pod rules → ZDS Add with the netns fd, wait for the ack → annotate `enabled`
//           (ztunnel unreachable: annotate `pending`, retried when a ztunnel takes the snapshot)
//   remove: delete the in-pod rules → ZDS Del → clear the annotation
//   gone:   (pod deleted or finished) ZDS Del only; the netns is gone with it
// Every step is idempotent, and all work on one pod is serialized.
import type { InpodRuleOptions } from '@ambient-ts/inpod-redirection';
import type { PodUid } from '../brands.js';
import { NoZtunnelConnectionError, RedirectionError, errorMessage } from '../errors.js';
import type { Log } from '../log.js';
import type { NetnsLocator, PodNetns } from '../netns/netns-locator.js';
import type { WorkloadIdentity } from '../zds/zds-messages.js';
import type { HostProbes } from '../host/host-probe-snat.js';
import { KeyedQueue } from './keyed-queue.js';
import { identityOf, keyOf, podIps, ruleOptionsFor, uidOf, type PodView } from './pod-facts.js';

export type RedirectionValue = 'enabled' | 'pending';

export interface Redirector {
  apply(netnsPath: string, options: InpodRuleOptions): Promise<unknown>;
  remove(netnsPath: string): Promise<void>;
}

export interface ZdsPort {
  add(uid: PodUid, info: WorkloadIdentity, netnsFd: number): Promise<void>;
  resend(uid: PodUid): Promise<void>;
  keep(uid: PodUid, info: WorkloadIdentity): void;
  del(uid: PodUid): Promise<void>;
  /** The netns fd the snapshot holds for a pod (still owned by the ZDS server). */
  netnsOf(uid: PodUid): number | undefined;
}

export interface Annotator {
  /** Merge-patches `ambient.istio.io/redirection` on the pod's status subresource; null removes it. */
  setRedirection(namespace: string, name: string, value: RedirectionValue | null): Promise<void>;
}

export interface EnrollmentMetrics {
  enrolled(result: 'enabled' | 'pending' | 'failed'): void;
  enrolledPods(count: number): void;
}

export interface EnrollmentDeps {
  readonly redirector: Redirector;
  /** The node's probe SNAT ipset (step 3 of upstream's add; absent: no probe SNAT). */
  readonly hostProbes?: HostProbes;
  readonly zds: ZdsPort;
  readonly netns: NetnsLocator;
  readonly annotator: Annotator;
  readonly closeFd: (fd: number) => void;
  readonly log: Log;
  readonly dnsCapture: boolean;
  /** Re-apply in-pod rules to pods found enrolled at start (AMBIENT_RECONCILE_POD_RULES_ON_STARTUP). */
  readonly reconcileRulesOnStart: boolean;
  readonly metrics?: EnrollmentMetrics;
}

interface Enrolled {
  state: RedirectionValue;
  namespace: string;
  name: string;
  ips: readonly string[];
}

/** How the pod reached us: the CNI plugin (sandbox being created) or a running pod. */
export type EnrollSource =
  | { readonly kind: 'cni'; readonly netnsPath: string; readonly ips: readonly string[] }
  | { readonly kind: 'running' };

export class Enrollment {
  readonly #deps: EnrollmentDeps;
  readonly #pods = new Map<PodUid, Enrolled>();
  readonly #queue = new KeyedQueue();

  constructor(deps: EnrollmentDeps) {
    this.#deps = deps;
  }

  isEnrolled(uid: PodUid): boolean {
    return this.#pods.has(uid);
  }

  stateOf(uid: PodUid): RedirectionValue | undefined {
    return this.#pods.get(uid)?.state;
  }

  get enrolledCount(): number {
    return this.#pods.size;
  }

  /**
   * Captures a pod. Resolves once ztunnel acknowledged it. When ztunnel is not connected the
   * pod is still captured and annotated `pending`, and this rejects with
   * NoZtunnelConnectionError (the CNI plugin then fails the sandbox, which is retried).
   */
  add(pod: PodView, source: EnrollSource): Promise<void> {
    const uid = uidOf(pod);
    if (uid === undefined)
      return Promise.reject(new RedirectionError(`pod ${keyOf(pod)} has no UID`));
    return this.#queue.run(uid, () => this.#add(uid, pod, source));
  }

  /** Takes a pod out of the mesh while it keeps running (label removed, no longer selected). */
  remove(pod: PodView): Promise<void> {
    const uid = uidOf(pod);
    if (uid === undefined) return Promise.resolve();
    return this.#queue.run(uid, () => this.#remove(uid, pod, false));
  }

  /** The pod was deleted or finished: forget it without touching its (gone) netns or the API object. */
  forget(pod: PodView): Promise<void> {
    const uid = uidOf(pod);
    if (uid === undefined) return Promise.resolve();
    return this.#queue.run(uid, () => this.#remove(uid, pod, true));
  }

  /**
   * After an agent restart: a pod annotated as captured goes back into the snapshot (Add with
   * its netns, or Keep when its netns cannot be found), its rules re-applied if configured. No
   * ztunnel is connected yet; the snapshot reaches it on connect.
   */
  restore(pod: PodView): Promise<void> {
    const uid = uidOf(pod);
    if (uid === undefined) return Promise.resolve();
    return this.#queue.run(uid, async () => {
      const key = keyOf(pod);
      const entry: Enrolled = {
        state:
          pod.metadata?.annotations?.['ambient.istio.io/redirection'] === 'enabled'
            ? 'enabled'
            : 'pending',
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
        ips: podIps(pod),
      };
      let netns: PodNetns;
      try {
        netns = await this.#deps.netns.byPodIps(key, podIps(pod));
      } catch (err) {
        this.#deps.log.warn(
          { pod: key, err: errorMessage(err) },
          'netns of an enrolled pod not found; keeping it in the snapshot',
        );
        this.#deps.zds.keep(uid, identityOf(pod));
        this.#pods.set(uid, entry);
        this.#reportCount();
        return;
      }
      if (this.#deps.reconcileRulesOnStart) {
        try {
          await this.#deps.redirector.apply(netns.path, ruleOptionsFor(pod, this.#deps));
        } catch (err) {
          // As upstream: log and go on; the pod keeps the rules it had.
          this.#deps.log.error(
            { pod: key, err: errorMessage(err) },
            'failed to re-apply in-pod rules; try restarting the pod',
          );
        }
      }
      this.#pods.set(uid, entry);
      this.#reportCount();
      await this.#deps.hostProbes?.add(entry.ips);
      await this.#deps.zds.add(uid, identityOf(pod), netns.fd).catch((err: unknown) => {
        if (!(err instanceof NoZtunnelConnectionError)) throw err;
      });
    });
  }

  /** Retries pods left `pending` (called when a ztunnel acknowledged its snapshot, and on a timer). */
  retryPending(): Promise<void> {
    const pending = [...this.#pods].filter(([, e]) => e.state === 'pending');
    return Promise.all(
      pending.map(([uid, e]) =>
        this.#queue.run(uid, async () => {
          if (this.#pods.get(uid)?.state !== 'pending') return;
          try {
            await this.#deps.zds.resend(uid);
            await this.#deps.hostProbes?.add(e.ips);
            await this.#deps.annotator.setRedirection(e.namespace, e.name, 'enabled');
            e.state = 'enabled';
            this.#deps.metrics?.enrolled('enabled');
            this.#deps.log.info({ pod: `${e.namespace}/${e.name}` }, 'pending pod now enabled');
          } catch (err) {
            this.#deps.log.debug(
              { pod: `${e.namespace}/${e.name}`, err: errorMessage(err) },
              'pod still pending',
            );
          }
        }),
      ),
    ).then(() => undefined);
  }

  /** Resolves when no work is queued (tests, shutdown). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async #add(uid: PodUid, pod: PodView, source: EnrollSource): Promise<void> {
    const key = keyOf(pod);
    const current = this.#pods.get(uid);
    if (source.kind === 'running' && current?.state === 'enabled') return;
    const netns =
      source.kind === 'cni'
        ? this.#deps.netns.byCniPath(source.netnsPath)
        : await this.#deps.netns.byPodIps(key, podIps(pod));
    let handedOver = false;
    try {
      try {
        await this.#deps.redirector.apply(netns.path, ruleOptionsFor(pod, this.#deps));
      } catch (err) {
        throw new RedirectionError(
          `applying the in-pod rules to ${key} failed: ${errorMessage(err)}`,
          { cause: err },
        );
      }
      const entry: Enrolled = {
        state: 'pending',
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
        ips: source.kind === 'cni' ? source.ips : podIps(pod),
      };
      // A new sandbox of the same pod (a retried CNI ADD) may have new IPs: stale ones leave the probe set.
      const staleIps = (current?.ips ?? []).filter((ip) => !entry.ips.includes(ip));
      if (staleIps.length > 0) await this.#deps.hostProbes?.remove(staleIps);
      this.#pods.set(uid, entry);
      this.#reportCount();
      handedOver = true; // the ZDS server owns the fd from here on
      try {
        await this.#deps.zds.add(uid, identityOf(pod), netns.fd);
      } catch (err) {
        await this.#annotate(entry, 'pending').catch((patchErr: unknown) => {
          this.#deps.log.warn(
            { pod: key, err: errorMessage(patchErr) },
            'could not annotate the pod pending',
          );
        });
        this.#deps.metrics?.enrolled('pending');
        this.#deps.log.warn(
          { pod: key, err: errorMessage(err) },
          'pod redirected, ztunnel not yet serving it: pending',
        );
        throw err;
      }
      await this.#deps.hostProbes?.add(entry.ips);
      await this.#annotate(entry, 'enabled');
      entry.state = 'enabled';
      this.#deps.metrics?.enrolled('enabled');
      this.#deps.log.info({ pod: key, via: source.kind }, 'pod enrolled in ambient');
    } catch (err) {
      if (!(err instanceof NoZtunnelConnectionError) && !handedOver)
        this.#deps.metrics?.enrolled('failed');
      throw err;
    } finally {
      if (!handedOver) this.#deps.closeFd(netns.fd);
    }
  }

  async #remove(uid: PodUid, pod: PodView, gone: boolean): Promise<void> {
    const key = keyOf(pod);
    const known = this.#pods.has(uid);
    const annotated = pod.metadata?.annotations?.['ambient.istio.io/redirection'] !== undefined;
    if (!known && (gone || !annotated)) return;
    const ips = this.#pods.get(uid)?.ips ?? podIps(pod);
    await this.#deps.hostProbes?.remove(ips).catch((err: unknown) => {
      this.#deps.log.warn(
        { pod: key, err: errorMessage(err) },
        'could not remove the pod from the probe ipset',
      );
    });
    if (!gone) {
      const fd = this.#deps.zds.netnsOf(uid);
      let netns: PodNetns | undefined;
      let opened = false;
      try {
        if (fd !== undefined) netns = this.#deps.netns.fromFd(fd);
        else {
          netns = await this.#deps.netns.byPodIps(key, podIps(pod));
          opened = true;
        }
        await this.#deps.redirector.remove(netns.path);
      } catch (err) {
        this.#deps.log.warn(
          { pod: key, err: errorMessage(err) },
          'could not remove the in-pod rules',
        );
      } finally {
        if (opened && netns) this.#deps.closeFd(netns.fd);
      }
    }
    try {
      await this.#deps.zds.del(uid);
    } catch (err) {
      if (!(err instanceof NoZtunnelConnectionError)) {
        this.#deps.log.warn(
          { pod: key, err: errorMessage(err) },
          'ztunnel did not acknowledge the removal; it drops the pod at its next snapshot',
        );
      }
    }
    this.#pods.delete(uid);
    this.#reportCount();
    if (!gone && annotated) {
      await this.#deps.annotator.setRedirection(
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
        null,
      );
    }
    this.#deps.log.info({ pod: key, gone }, 'pod removed from ambient');
  }

  async #annotate(entry: Enrolled, value: RedirectionValue): Promise<void> {
    await this.#deps.annotator.setRedirection(entry.namespace, entry.name, value);
  }

  #reportCount(): void {
    this.#deps.metrics?.enrolledPods(this.#pods.size);
  }
}
