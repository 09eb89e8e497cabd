// One pod's life on this node, as kubelet's pod worker: resolve images through the image
// table, create the sandbox (netns + CNI ADD), materialize volumes, run init containers in
// order, then supervise containers (probes, restarts with back-off) until the pod ends or is
// deleted; then stop processes (SIGTERM, grace, SIGKILL) and tear the sandbox down (CNI DEL,
// netns removed). Status goes out through the reporter after every change.
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  nextBackoffCount,
  restartDelay,
  setupRetryDelay,
  shouldRestart,
  type RestartPolicy,
} from './backoff.js';
import type { NetnsPath } from './brands.js';
import type { CniConfList } from './cni-config.js';
import { podPortMappings, resultIPs } from './cni-config.js';
import type { ContainerProcess, ExitStatus } from './container-launcher.js';
import { containerEnv } from './env.js';
import {
  ContainerConfigError,
  ContainerStartError,
  ImageNotFoundError,
  VolumeError,
  errorMessage,
} from './errors.js';
import { parseEntry } from './cri-log.js';
import { hostsFile, resolvConf } from './etc-files.js';
import { resolveImage, type ImageEntry, type ResolvedImage } from './image-table.js';
import type { Container, Pod } from './k8s-types.js';
import { referencedObjects } from './kube-objects.js';
import { containerCommand, mountScript, type PathKind } from './mount-script.js';
import {
  computePodStatus,
  statusPatch,
  type ContainerRecord,
  type ContainerState,
  type PodCondition,
  type PodRecord,
  type TerminatedState,
} from './pod-status.js';
import { podDir, type ContainerStateFile, type PodStateFile } from './pod-state-file.js';
import {
  initialCounter,
  probeSpec,
  stepProbe,
  type ProbeKind,
  type ProbeResult,
  type ProbeSpec,
} from './probe.js';
import { processSpec } from './process-spec.js';
import type { RuntimeDeps } from './runtime-deps.js';
import { containerMounts, planVolumes, type MountSpec, type VolumePlan } from './volume-plan.js';
import { VolumeWriter } from './volume-writer.js';

interface ContainerSlot {
  readonly spec: Container;
  readonly init: boolean;
  /** Init container with restartPolicy Always: a native sidecar, started and left running. */
  readonly sidecar: boolean;
  image?: ResolvedImage;
  state: ContainerState;
  lastTerminated?: TerminatedState;
  restartCount: number;
  everStarted: boolean;
  ready: boolean;
  started?: boolean;
  containerID?: string;
  proc?: ContainerProcess;
  probeAbort?: AbortController;
}

const hex = (n: number): string => randomBytes(n).toString('hex');

function entryDigest(e: ImageEntry): string {
  return createHash('sha256').update(JSON.stringify(e)).digest('hex');
}

function pathKind(p: string): PathKind {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** The last lines a container wrote (the mount script's error when its setup failed). */
async function logTail(logPath: string): Promise<string> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  const lines = text
    .split('\n')
    .map(parseEntry)
    .filter((e) => e !== undefined)
    .map((e) => e.text);
  return lines.slice(-3).join('; ') || 'no output';
}

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** Resolves after ms, or early (false) when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface PodWorkerOptions {
  /** Restart counts carried over from the API (after a kubelet restart). */
  readonly restartCounts?: ReadonlyMap<string, number>;
}

export class PodWorker {
  private pod: Pod;
  private readonly slots: ContainerSlot[];
  private readonly abort = new AbortController();
  private readonly volumes: VolumeWriter;
  private readonly dir: string;
  private stopping = false;
  private sandboxID = hex(32);
  private netnsPath?: NetnsPath;
  private cniAdded = false;
  private cniConfFile?: string;
  private cniConf?: CniConfList;
  private cniResult?: unknown;
  private podIPs: string[] = [];
  private sandboxReady = false;
  private initialized = false;
  private failed?: { reason: string; message: string };
  private startTime?: Date;
  private conditions: readonly PodCondition[] = [];
  private volumePlans: VolumePlan[] = [];
  private publishing?: Promise<void>;
  private publishAgain = false;
  private lastPatch = '';
  private gateSignature = '';
  private running?: Promise<void>;
  private terminal = false;

  constructor(
    private readonly deps: RuntimeDeps,
    pod: Pod,
    opts: PodWorkerOptions = {},
  ) {
    this.pod = pod;
    const md = pod.metadata ?? {};
    this.dir = podDir(deps.config.stateDir, md.namespace ?? 'default', md.name ?? '', md.uid ?? '');
    const slot = (spec: Container, init: boolean): ContainerSlot => ({
      spec,
      init,
      sidecar: init && spec.restartPolicy === 'Always',
      state: { kind: 'waiting', reason: init ? 'PodInitializing' : 'ContainerCreating' },
      restartCount: opts.restartCounts?.get(`${init ? 'init/' : ''}${spec.name}`) ?? 0,
      everStarted: false,
      ready: false,
    });
    const hasInit = (pod.spec?.initContainers ?? []).length > 0;
    this.slots = [
      ...(pod.spec?.initContainers ?? []).map((c, i) => {
        const s = slot(c, true);
        if (i === 0) s.state = { kind: 'waiting', reason: 'PodInitializing' };
        return s;
      }),
      ...(pod.spec?.containers ?? []).map((c) => {
        const s = slot(c, false);
        if (hasInit) s.state = { kind: 'waiting', reason: 'PodInitializing' };
        return s;
      }),
    ];
    this.gateSignature = this.gates();
    this.volumes = new VolumeWriter({
      tokens: deps.api.tokens,
      onRefreshError: (volume, err) => {
        this.event(
          'Warning',
          'FailedMount',
          `MountVolume.SetUp failed for volume "${volume}" : refreshing token: ${errorMessage(err)}`,
        );
      },
    });
  }

  get uid(): string {
    return this.pod.metadata?.uid ?? '';
  }

  get stateDir(): string {
    return this.dir;
  }

  /** Whether the pod reached Succeeded/Failed (its sandbox is already torn down). */
  get isTerminal(): boolean {
    return this.terminal;
  }

  start(): void {
    this.running ??= this.run().catch((err: unknown) => {
      this.deps.log.error({ pod: this.key, err: errorMessage(err) }, 'pod worker failed');
    });
  }

  /** A newer version of the pod object (labels, annotations, readiness gates…). */
  update(pod: Pod): void {
    this.pod = pod;
    const sig = this.gates();
    if (sig !== this.gateSignature) {
      this.gateSignature = sig;
      this.schedulePublish();
    }
  }

  /** The current status record (for tests and the log server). */
  record(): PodRecord {
    return {
      sandboxReady: this.sandboxReady,
      podIPs: this.podIPs,
      hostIPs: [this.deps.config.nodeIP],
      ...(this.startTime ? { startTime: this.startTime } : {}),
      initContainers: this.slots.filter((s) => s.init).map((s) => this.containerRecord(s)),
      containers: this.slots.filter((s) => !s.init).map((s) => this.containerRecord(s)),
      initialized: this.initialized,
      ...(this.failed ? { failed: this.failed } : {}),
    };
  }

  /** Log file of a container (current run, or the one before with previous=true). */
  logPath(container: string, previous = false): string {
    return path.join(this.dir, previous ? `${container}.previous.log` : `${container}.log`);
  }

  isRunning(container: string): boolean {
    return this.slots.some((s) => s.spec.name === container && s.state.kind === 'running');
  }

  hasContainer(container: string): boolean {
    return this.slots.some((s) => s.spec.name === container);
  }

  /**
   * Stops every container (SIGTERM, then SIGKILL after the grace period), tears down the
   * sandbox and removes the pod's state directory. Idempotent.
   */
  async terminate(gracePeriodSeconds: number): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.abort.abort();
    }
    const graceMs = Math.max(gracePeriodSeconds, 0) * 1000;
    await Promise.all(
      this.slots
        .filter((s) => s.proc && s.state.kind === 'running')
        .map((s) => {
          this.event('Normal', 'Killing', `Stopping container ${s.spec.name}`, s);
          return this.stopProcess(s, graceMs);
        }),
    );
    await this.running;
    await this.teardownSandbox();
    this.volumes.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  private get key(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  private gates(): string {
    const gates = (this.pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
    if (gates.length === 0) return '';
    return gates
      .map((g) => `${g}=${this.pod.status?.conditions?.find((c) => c.type === g)?.status ?? ''}`)
      .join(',');
  }

  private containerRecord(s: ContainerSlot): ContainerRecord {
    return {
      name: s.spec.name,
      image: s.spec.image ?? '',
      ...(s.image ? { imageID: s.image.imageID } : {}),
      ...(s.containerID ? { containerID: s.containerID } : {}),
      state: s.state,
      ...(s.lastTerminated ? { lastTerminated: s.lastTerminated } : {}),
      restartCount: s.restartCount,
      ready: s.ready,
      ...(s.started !== undefined ? { started: s.started } : {}),
    };
  }

  private fieldPath(s: ContainerSlot): string {
    return `spec.${s.init ? 'initContainers' : 'containers'}{${s.spec.name}}`;
  }

  private event(
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    s?: ContainerSlot,
  ): void {
    if (this.stopping && reason !== 'Killing') return;
    this.deps.reporter.event(this.pod, type, reason, message, s ? this.fieldPath(s) : undefined);
  }

  private schedulePublish(): void {
    if (this.publishing) {
      this.publishAgain = true;
      return;
    }
    this.publishing = (async () => {
      do {
        this.publishAgain = false;
        await this.stateWriting;
        const computed = computePodStatus(this.pod, this.record(), this.conditions, new Date());
        this.conditions = computed.conditions;
        const body = statusPatch(computed);
        const json = JSON.stringify(body);
        if (json === this.lastPatch) continue;
        try {
          await this.deps.reporter.status(this.pod, body);
          this.lastPatch = json;
        } catch (err) {
          this.deps.log.warn(
            { pod: this.key, err: errorMessage(err) },
            'status update failed; retrying',
          );
          await sleep(2000, this.abort.signal);
          if (!this.stopping) this.publishAgain = true;
        }
      } while (this.publishAgain);
    })().finally(() => {
      this.publishing = undefined;
    });
  }

  /** Waits for pending status writes (tests, final status before deletion). */
  async flush(): Promise<void> {
    while (this.publishing) await this.publishing;
  }

  /** The last state.json write: status goes out only after it, so the file never lags the API. */
  private stateWriting: Promise<void> = Promise.resolve();

  private writeState(): Promise<void> {
    // Serialized: each write renders the state current when it runs.
    const p = this.stateWriting.then(() => this.writeStateFile());
    this.stateWriting = p.catch(() => undefined);
    return p;
  }

  private async writeStateFile(): Promise<void> {
    const md = this.pod.metadata ?? {};
    const hostNetwork = this.pod.spec?.hostNetwork ?? false;
    const netns = this.netnsPath ?? `/proc/${process.pid}/ns/net`;
    const containers: ContainerStateFile[] = this.slots
      .filter((s) => s.everStarted || s.containerID)
      .map((s) => ({
        name: s.spec.name,
        init: s.init,
        containerID: s.containerID ?? '',
        ...(s.proc && s.state.kind === 'running'
          ? { pid: s.proc.pid, pidStartTime: s.proc.startTime }
          : {}),
        netnsPath: netns,
        logPath: this.logPath(s.spec.name),
        restartCount: s.restartCount,
        state:
          s.state.kind === 'running'
            ? 'running'
            : s.state.kind === 'terminated'
              ? 'exited'
              : 'waiting',
        ...(s.state.kind === 'terminated' ? { exitCode: s.state.exitCode } : {}),
      }));
    const state: PodStateFile & { cni?: { confList: CniConfList; result: unknown } } = {
      version: 1,
      namespace: md.namespace ?? '',
      name: md.name ?? '',
      uid: md.uid ?? '',
      hostNetwork,
      sandboxID: this.sandboxID,
      netnsPath: netns,
      cniAdded: this.cniAdded,
      ...(this.cniConfFile ? { cniConfFile: this.cniConfFile } : {}),
      podIPs: this.podIPs,
      containers,
      ...(this.cniAdded && this.cniConf
        ? { cni: { confList: this.cniConf, result: this.cniResult } }
        : {}),
    };
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, 'state.json');
    await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    await mkdir(this.dir, { recursive: true });
    this.startTime = new Date();
    this.schedulePublish();

    if (!(await this.resolveImages())) return;
    if (!(await this.retry('sandbox', () => this.createSandbox()))) return;
    if (!(await this.retry('volumes', () => this.prepareVolumes()))) return;
    void this.syncVolumes();

    for (const s of this.slots.filter((x) => x.init)) {
      if (s.sidecar) {
        void this.supervise(s, 'Always');
        while (!signal.aborted && !s.started) await sleep(100, signal);
        continue;
      }
      const policy: RestartPolicy =
        this.pod.spec?.restartPolicy === 'Never' ? 'Never' : 'OnFailure';
      await this.supervise(s, policy);
      if (this.stopping) return;
      if (s.state.kind !== 'terminated' || s.state.exitCode !== 0) {
        this.failed = {
          reason: 'InitContainerFailed',
          message: `init container ${s.spec.name} failed`,
        };
        break;
      }
    }
    if (!this.failed) {
      this.initialized = true;
      const regular = this.slots.filter((s) => !s.init);
      for (const s of regular) s.state = { kind: 'waiting', reason: 'ContainerCreating' };
      this.schedulePublish();
      const policy = (this.pod.spec?.restartPolicy ?? 'Always') as RestartPolicy;
      await Promise.all(regular.map((s) => this.supervise(s, policy)));
    }
    if (this.stopping) return;
    // Every container finished for good: the pod is Succeeded or Failed. Stop sidecars and
    // release the network as kubelet does for terminal pods; logs stay until deletion.
    this.terminal = true;
    for (const s of this.slots.filter((x) => x.sidecar && x.proc && x.state.kind === 'running'))
      await this.stopProcess(s, (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
    await this.teardownSandbox();
    this.schedulePublish();
  }

  /** Retries a setup step with back-off until it succeeds or the pod is deleted. */
  private async retry(what: string, step: () => Promise<void>): Promise<boolean> {
    let attempt = 0;
    for (;;) {
      if (this.stopping) return false;
      try {
        await step();
        return true;
      } catch (err) {
        this.deps.log.warn(
          { pod: this.key, step: what, err: errorMessage(err) },
          'pod setup step failed',
        );
        if (err instanceof VolumeError)
          this.event(
            'Warning',
            'FailedMount',
            `MountVolume.SetUp failed for volume "${err.volume}" : ${err.message}`,
          );
        else
          this.event(
            'Warning',
            'FailedCreatePodSandBox',
            `Failed to create pod sandbox: ${errorMessage(err)}`,
          );
        this.schedulePublish();
      }
      attempt++;
      if (!(await sleep(setupRetryDelay(attempt), this.abort.signal))) return false;
    }
  }

  private async resolveImages(): Promise<boolean> {
    let attempt = 0;
    for (;;) {
      if (this.stopping) return false;
      let failures = 0;
      let table;
      try {
        table = await this.deps.images.table();
      } catch (err) {
        table = undefined;
        this.deps.log.error({ err: errorMessage(err) }, 'cannot read the image table');
      }
      for (const s of this.slots) {
        if (s.image) continue;
        const image = s.spec.image ?? '';
        try {
          if (!table) throw new Error('the image table cannot be read (see the kubelet log)');
          s.image = resolveImage(table, image, entryDigest);
          this.event(
            'Normal',
            'Pulled',
            `Container image "${image}" already present on machine`,
            s,
          );
        } catch (err) {
          failures++;
          const reason = attempt === 0 ? 'ErrImagePull' : 'ImagePullBackOff';
          const message = err instanceof ImageNotFoundError ? err.message : errorMessage(err);
          s.state = {
            kind: 'waiting',
            reason,
            message:
              reason === 'ImagePullBackOff'
                ? `Back-off pulling image "${image}": ${message}`
                : message,
          };
          if (attempt === 0) {
            this.event('Warning', 'Failed', `Failed to pull image "${image}": ${message}`, s);
            this.event('Warning', 'Failed', 'Error: ErrImagePull', s);
          } else {
            this.event('Normal', 'BackOff', `Back-off pulling image "${image}"`, s);
            this.event('Warning', 'Failed', 'Error: ImagePullBackOff', s);
          }
        }
      }
      if (failures === 0) {
        for (const s of this.slots)
          if (
            s.state.kind === 'waiting' &&
            (s.state.reason === 'ErrImagePull' || s.state.reason === 'ImagePullBackOff')
          )
            s.state = {
              kind: 'waiting',
              reason:
                s.init || this.slots.some((x) => x.init) ? 'PodInitializing' : 'ContainerCreating',
            };
        this.schedulePublish();
        return true;
      }
      this.schedulePublish();
      attempt++;
      // The back-off shown as ImagePullBackOff; the table is re-read on each try.
      if (!(await sleep(restartDelay(this.deps.config.backoff, attempt), this.abort.signal)))
        return false;
    }
  }

  private async createSandbox(): Promise<void> {
    const md = this.pod.metadata ?? {};
    if (this.pod.spec?.hostNetwork) {
      this.podIPs = [this.deps.config.nodeIP];
    } else {
      this.sandboxID = hex(32);
      const netns = await this.deps.netns.create(md.uid ?? this.sandboxID);
      this.netnsPath = netns;
      await this.writeState();
      const rt = {
        containerId: this.sandboxID,
        netns,
        ifName: 'eth0',
        args: {
          IgnoreUnknown: '1',
          K8S_POD_NAMESPACE: md.namespace ?? '',
          K8S_POD_NAME: md.name ?? '',
          K8S_POD_INFRA_CONTAINER_ID: this.sandboxID,
          K8S_POD_UID: md.uid ?? '',
        },
        capabilityArgs: { portMappings: this.portMappings() },
      };
      try {
        const added = await this.deps.cni.add(rt);
        this.cniAdded = true;
        this.cniConf = added.confList;
        this.cniConfFile = added.confFile;
        this.cniResult = added.result;
        const ips = resultIPs(added.result);
        if (ips.length === 0)
          throw new Error(
            `CNI network "${added.confList.name}" (${added.confFile}) returned no IP address`,
          );
        this.podIPs = ips;
      } catch (err) {
        // Undo the half-made sandbox; the next attempt starts clean.
        await this.teardownSandbox();
        throw err;
      }
    }
    this.sandboxReady = true;
    await this.writeState();
    this.schedulePublish();
  }

  private async teardownSandbox(): Promise<void> {
    const md = this.pod.metadata ?? {};
    if (this.cniAdded && this.cniConf && this.netnsPath) {
      try {
        await this.deps.cni.del(
          {
            containerId: this.sandboxID,
            netns: this.netnsPath,
            ifName: 'eth0',
            args: {
              IgnoreUnknown: '1',
              K8S_POD_NAMESPACE: md.namespace ?? '',
              K8S_POD_NAME: md.name ?? '',
              K8S_POD_INFRA_CONTAINER_ID: this.sandboxID,
              K8S_POD_UID: md.uid ?? '',
            },
            capabilityArgs: { portMappings: this.portMappings() },
          },
          this.cniConf,
          this.cniResult,
        );
      } catch (err) {
        this.deps.log.warn({ pod: this.key, err: errorMessage(err) }, 'CNI DEL failed');
      }
    }
    this.cniAdded = false;
    if (this.netnsPath) await this.deps.netns.remove(this.netnsPath);
    this.netnsPath = undefined;
    this.sandboxReady = false;
    if (!this.stopping) await this.writeState().catch(() => undefined);
  }

  private portMappings(): ReturnType<typeof podPortMappings> {
    return podPortMappings(this.pod.spec?.containers ?? []);
  }

  private hostname(): string {
    if (this.pod.spec?.hostNetwork) return this.deps.config.nodeName;
    return (this.pod.spec?.hostname ?? this.pod.metadata?.name ?? 'pod').slice(0, 63);
  }

  private async prepareVolumes(): Promise<void> {
    const md = this.pod.metadata ?? {};
    const ns = md.namespace ?? 'default';
    const objects = await this.deps.api.objects(ns, referencedObjects(this.pod));
    this.volumePlans = planVolumes({
      pod: this.pod,
      volumesDir: path.join(this.dir, 'volumes'),
      nodeRoot: this.deps.config.nodeRoot,
      objects,
      addresses: { podIPs: this.podIPs, hostIPs: [this.deps.config.nodeIP] },
      node: this.deps.config.node,
    });
    await this.volumes.materialize(this.volumePlans, {
      namespace: ns,
      serviceAccount:
        this.pod.spec?.serviceAccountName ?? this.pod.spec?.serviceAccount ?? 'default',
      podName: md.name ?? '',
      podUID: md.uid ?? '',
    });
    const { clusterDns, clusterDomain } = this.deps.config;
    await writeFile(
      path.join(this.dir, 'etc-hosts'),
      hostsFile(this.pod, this.podIPs, this.hostname(), clusterDomain),
    );
    const resolv = resolvConf(this.pod, clusterDns, clusterDomain);
    if (resolv !== undefined) await writeFile(path.join(this.dir, 'resolv.conf'), resolv);
  }

  /** Keeps ConfigMap/Secret/downwardAPI volumes current while the pod lives. */
  private async syncVolumes(): Promise<void> {
    const ns = this.pod.metadata?.namespace ?? 'default';
    while (await sleep(this.deps.config.volumeSyncMs, this.abort.signal)) {
      if (this.terminal) return;
      try {
        const objects = await this.deps.api.objects(ns, referencedObjects(this.pod));
        const plans = planVolumes({
          pod: this.pod,
          volumesDir: path.join(this.dir, 'volumes'),
          nodeRoot: this.deps.config.nodeRoot,
          objects,
          addresses: { podIPs: this.podIPs, hostIPs: [this.deps.config.nodeIP] },
          node: this.deps.config.node,
        });
        const changed = await this.volumes.refreshFiles(plans);
        if (changed.length > 0)
          this.deps.log.info({ pod: this.key, volumes: changed }, 'volumes updated');
      } catch (err) {
        // A ConfigMap deleted meanwhile: keep the last content, as kubelet does.
        this.deps.log.debug({ pod: this.key, err: errorMessage(err) }, 'volume sync skipped');
      }
    }
  }

  private async startContainer(s: ContainerSlot): Promise<ContainerProcess> {
    const image = s.image;
    if (!image) throw new Error(`container ${s.spec.name} has no resolved image`);
    const md = this.pod.metadata ?? {};
    const ns = md.namespace ?? 'default';
    const [objects, services] = await Promise.all([
      this.deps.api.objects(ns, referencedObjects(this.pod)),
      this.deps.api.services(ns),
    ]);
    const env = containerEnv({
      pod: this.pod,
      container: s.spec,
      imageEnv: image.entry.env,
      hostname: this.hostname(),
      addresses: { podIPs: this.podIPs, hostIPs: [this.deps.config.nodeIP] },
      objects,
      services,
      node: this.deps.config.node,
    });
    const spec = processSpec(s.spec, image.entry, env);
    const mounts: MountSpec[] = [
      {
        source: path.join(this.dir, 'etc-hosts'),
        target: '/etc/hosts',
        readOnly: false,
        volume: 'etc-hosts',
      },
      ...(pathKind(path.join(this.dir, 'resolv.conf')) === 'file'
        ? [
            {
              source: path.join(this.dir, 'resolv.conf'),
              target: '/etc/resolv.conf',
              readOnly: false,
              volume: 'resolv-conf',
            },
          ]
        : []),
      ...containerMounts(s.spec, this.volumePlans, env),
    ];
    const attempt = s.everStarted ? s.restartCount + 1 : s.restartCount;
    const script = mountScript({
      hostname: this.hostname(),
      mounts,
      ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
      pathKind,
      scratchDir: path.join(this.dir, 'scratch', `${s.spec.name}-${attempt}`),
      preserve: s.image?.roots ?? [],
    });
    const argv = containerCommand(this.deps.tools, this.netnsPath, script, spec.argv);
    const logPath = this.logPath(s.spec.name);
    if (s.everStarted)
      await rename(logPath, this.logPath(s.spec.name, true)).catch(() => undefined);
    const containerID = hex(32);
    const proc = await this.deps.launcher.start({ argv, env: spec.env, logPath });
    if (!proc.setupOk) {
      // The mount script failed before exec: a start error, not a run of the program.
      await proc.exited;
      throw new ContainerStartError(s.spec.name, await logTail(logPath));
    }
    if (s.everStarted) s.restartCount++;
    s.everStarted = true;
    s.containerID = `netns://${containerID}`;
    s.proc = proc;
    s.state = { kind: 'running', startedAt: proc.startedAt };
    const hasStartup = s.spec.startupProbe !== undefined;
    s.started = !hasStartup;
    s.ready = !hasStartup && s.spec.readinessProbe === undefined;
    this.event('Normal', 'Created', `Created container: ${s.spec.name}`, s);
    this.event('Normal', 'Started', `Started container ${s.spec.name}`, s);
    this.deps.log.info(
      { pod: this.key, container: s.spec.name, pid: proc.pid, argv: spec.argv },
      'container started',
    );
    await this.writeState();
    this.schedulePublish();
    this.startProbes(s, proc);
    return proc;
  }

  /** Runs a container until it stops for good under `policy` (or the pod is deleted). */
  private async supervise(s: ContainerSlot, policy: RestartPolicy): Promise<void> {
    const backoff = this.deps.config.backoff;
    let count = 0;
    while (!this.stopping) {
      let proc: ContainerProcess;
      try {
        proc = await this.startContainer(s);
      } catch (err) {
        if (this.stopping) return;
        const config = err instanceof ContainerConfigError || err instanceof VolumeError;
        const message = errorMessage(err);
        s.state = {
          kind: 'waiting',
          reason: config ? 'CreateContainerConfigError' : 'RunContainerError',
          message,
        };
        this.event('Warning', 'Failed', `Error: ${message}`, s);
        this.deps.log.warn(
          { pod: this.key, container: s.spec.name, err: message },
          'container start failed',
        );
        this.schedulePublish();
        count++;
        if (!(await sleep(setupRetryDelay(count), this.abort.signal))) return;
        continue;
      }
      const exit: ExitStatus = await proc.exited;
      s.probeAbort?.abort();
      const terminated: TerminatedState = {
        kind: 'terminated',
        exitCode: exit.exitCode,
        ...(exit.signal !== undefined ? { signal: exit.signal } : {}),
        reason: exit.exitCode === 0 ? 'Completed' : 'Error',
        startedAt: proc.startedAt,
        finishedAt: exit.finishedAt,
      };
      s.state = terminated;
      s.lastTerminated = terminated;
      s.ready = false;
      s.proc = undefined;
      this.deps.log.info(
        { pod: this.key, container: s.spec.name, exitCode: exit.exitCode },
        'container exited',
      );
      await this.writeState();
      this.schedulePublish();
      if (this.stopping || !shouldRestart(policy, exit.exitCode)) return;
      count = nextBackoffCount(
        backoff,
        count,
        exit.finishedAt.getTime() - proc.startedAt.getTime(),
      );
      const delay = restartDelay(backoff, count);
      count++;
      if (delay > 0) {
        const md = this.pod.metadata ?? {};
        s.state = {
          kind: 'waiting',
          reason: 'CrashLoopBackOff',
          message: `back-off ${fmtDuration(delay)} restarting failed container=${s.spec.name} pod=${md.name}_${md.namespace}(${md.uid})`,
        };
        this.event(
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${s.spec.name} in pod ${md.name}_${md.namespace}(${md.uid})`,
          s,
        );
        this.schedulePublish();
        if (!(await sleep(delay, this.abort.signal))) return;
      }
    }
  }

  private async stopProcess(s: ContainerSlot, graceMs: number): Promise<void> {
    const proc = s.proc;
    if (!proc) return;
    proc.signal('SIGTERM');
    const timeout = new AbortController();
    const exited = await Promise.race([
      proc.exited.then(() => true),
      sleep(graceMs, timeout.signal).then(() => false),
    ]);
    timeout.abort();
    if (!exited) {
      proc.signal('SIGKILL');
      await proc.exited;
    }
    // The group may hold children that ignored SIGTERM: they go with the container.
    proc.signal('SIGKILL');
  }

  private startProbes(s: ContainerSlot, proc: ContainerProcess): void {
    s.probeAbort?.abort();
    const own = new AbortController();
    s.probeAbort = own;
    // Stops with the container or the pod; AbortSignal.any holds no listener on the pod's
    // signal per restart (a crash-looping container would pile them up).
    const abort = { signal: AbortSignal.any([own.signal, this.abort.signal]) };
    let specs: Partial<Record<ProbeKind, ProbeSpec>>;
    try {
      specs = {
        startup: probeSpec(s.spec, 'startup'),
        readiness: probeSpec(s.spec, 'readiness'),
        liveness: probeSpec(s.spec, 'liveness'),
      };
    } catch (err) {
      this.event('Warning', 'Unhealthy', `Probe configuration error: ${errorMessage(err)}`, s);
      return;
    }
    const target = { podIP: this.podIPs[0] ?? this.deps.config.nodeIP, pid: proc.pid };
    const kill = (why: string): void => {
      this.event('Normal', 'Killing', `Container ${s.spec.name} ${why}, will be restarted`, s);
      void this.stopProcess(s, (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
    };
    const loop = async (spec: ProbeSpec, onResult: (r: ProbeResult) => boolean): Promise<void> => {
      if (!(await sleep(spec.initialDelayMs, abort.signal))) return;
      let counter = initialCounter(spec.kind);
      for (;;) {
        const out = await this.deps.prober.run(spec.action, target, spec.timeoutMs);
        if (abort.signal.aborted) return;
        const next = stepProbe(spec, counter, out.ok);
        if (!out.ok && (counter.failures === 0 || next.result !== counter.result)) {
          const name = spec.kind.charAt(0).toUpperCase() + spec.kind.slice(1);
          this.event('Warning', 'Unhealthy', `${name} probe failed: ${out.detail}`, s);
        }
        const changed = next.result !== counter.result;
        counter = next;
        if (changed && !onResult(counter.result)) return;
        if (!(await sleep(spec.periodMs, abort.signal))) return;
      }
    };
    const afterStartup = (): void => {
      s.started = true;
      if (!specs.readiness) s.ready = true;
      this.schedulePublish();
      if (specs.readiness)
        void loop(specs.readiness, (r) => {
          s.ready = r === 'success';
          this.schedulePublish();
          return true;
        });
      if (specs.liveness)
        void loop(specs.liveness, (r) => {
          if (r !== 'failure') return true;
          kill('failed liveness probe');
          return false;
        });
    };
    if (specs.startup) {
      void loop(specs.startup, (r) => {
        if (r === 'success') {
          afterStartup();
          return false;
        }
        if (r === 'failure') {
          kill('failed startup probe');
          return false;
        }
        return true;
      });
    } else if (specs.readiness || specs.liveness) {
      afterStartup();
    }
  }
}
