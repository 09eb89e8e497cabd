// Runs inside the sandbox (private mount, network and pid namespaces, as the
// only child of its reaping pid 1, init-reaper.ts): mounts, the bridge and node netns, etcd, the control plane, the
// apiserver socket bridge, the add-ons and one netns kubelet per node. When it
// exits, pid 1 exits and the kernel kills everything left in its pid namespace and frees the
// namespaces, so nothing outlives it.
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import {
  apiserverComponent,
  controllerManagerComponent,
  etcdComponent,
  schedulerComponent,
  type Component,
} from '../control-plane/flags.js';
import { nodeLayout, pkiPath, type ClusterLayout, clusterLayout } from '../control-plane/layout.js';
import { ComponentStartError } from '../errors.js';
import { applyObjects } from '../kube/apply.js';
import { parseManifests } from '../kube/manifests.js';
import { isDaemonSetReady, isDeploymentAvailable, isNodeReady } from '../kube/readiness.js';
import { cniConflist, CNI_CONFLIST_FILE } from '../network/cni-conflist.js';
import { CLUSTER_NETWORK, networkSetupCommands, type NodePlan } from '../network/plan.js';
import { formatDuration } from '../progress.js';
import { pollUntil } from '../wait.js';
import { encodeEvent, type ClusterPhase } from './events.js';
import { kubeletArgv } from './kubelet-args.js';
import { ManagedProcess } from './managed-process.js';
import type { ClusterSpec } from './spec.js';

const run = promisify(execFile);

export const TIMEOUTS = {
  etcd: 30_000,
  apiserver: 120_000,
  component: 60_000,
  nodesReady: 180_000,
  addonsReady: 240_000,
} as const;

export class Supervisor {
  private readonly layout: ClusterLayout;
  private readonly started = Date.now();
  private readonly processes: ManagedProcess[] = [];
  private readonly kubelets: ManagedProcess[] = [];
  private socketServer: net.Server | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private readonly routed = new Map<string, string>();
  private kc: KubeConfig | undefined;
  private stopping = false;
  private phase: ClusterPhase = 'starting';

  constructor(private readonly spec: ClusterSpec) {
    this.layout = clusterLayout(spec.stateDir);
  }

  progress(message: string): void {
    appendFileSync(this.layout.progress, encodeEvent({ t: Date.now() - this.started, message }));
  }

  async status(phase: ClusterPhase, error?: string): Promise<void> {
    this.phase = phase;
    const body = JSON.stringify({
      phase,
      t: Date.now() - this.started,
      ...(error ? { error } : {}),
    });
    await writeFile(`${this.layout.status}.tmp`, body);
    await rename(`${this.layout.status}.tmp`, this.layout.status);
  }

  private async step<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    this.progress(`${label}…`);
    const r = await fn();
    this.progress(`${label}: done in ${formatDuration(Date.now() - t0)}`);
    return r;
  }

  async start(): Promise<void> {
    await this.status('starting');
    await this.step('sandbox mounts (private /run, tmpfs for etcd)', () => this.mounts());
    await this.step(
      `network: bridge ${CLUSTER_NETWORK.bridgeName} and ${this.spec.nodes.length} node netns`,
      () => this.network(),
    );
    await this.step('etcd', () => this.startEtcd());
    await this.step('kube-apiserver', () => this.startApiserver());
    await this.step('kube-controller-manager and kube-scheduler', () => this.startControllers());
    await this.step('service account "default" in namespace default', () =>
      this.waitDefaultServiceAccount(),
    );
    await this.step(
      `cluster add-ons from ${path.relative(this.spec.repoRoot, this.spec.addonsDir)}`,
      () => this.applyAddons(),
    );
    if (this.spec.nodes.length > 0 && !this.spec.startKubelets) {
      this.startNodeReconciler();
      this.progress(
        'kubelets not started (startKubelets: false); nodes are set up for a Node registered by hand',
      );
    }
    if (this.spec.nodes.length > 0 && this.spec.startKubelets) {
      await this.step(`kubelets on ${this.spec.nodes.map((n) => n.name).join(', ')}`, () =>
        this.startKubelets(),
      );
      await this.step(`${this.spec.nodes.length} nodes Ready`, () => this.waitNodesReady());
      await this.step('add-ons Ready (kube-proxy on every node, CoreDNS)', () =>
        this.waitAddonsReady(),
      );
    }
    await this.status('ready');
    this.progress(`cluster ready in ${formatDuration(Date.now() - this.started)}`);
  }

  private get client(): KubeConfig {
    if (!this.kc) throw new Error('kube client used before the apiserver was up');
    return this.kc;
  }

  // --- mounts and network ---------------------------------------------------

  private async mounts(): Promise<void> {
    // Our own /run: ip netns keeps its bind mounts in /run/netns, and nothing
    // the host has there (or gets there) is shared with the cluster.
    await run('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'ambient-ts-run', '/run']);
    await mkdir('/run/netns', { recursive: true });
    await mkdir('/run/lock', { recursive: true });
    await mkdir(this.layout.etcdData, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', 'mode=700', 'ambient-ts-etcd', this.layout.etcdData]);
  }

  private async network(): Promise<void> {
    for (const argv of networkSetupCommands(this.spec.nodes)) {
      await run('ip', argv).catch((err: unknown) => {
        throw new ComponentStartError(`ip ${argv.join(' ')} failed: ${String(err)}`);
      });
    }
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
    for (const node of this.spec.nodes) {
      await run('nsenter', [
        `--net=/run/netns/${node.netns}`,
        'sysctl',
        '-qw',
        'net.ipv4.ip_forward=1',
      ]);
      const nl = nodeLayout(this.layout, node.name);
      for (const dir of [nl.cniConfDir, nl.cniBinDir, nl.ipamDataDir, nl.kubeletStateDir]) {
        await mkdir(dir, { recursive: true });
      }
    }
  }

  // --- control plane --------------------------------------------------------

  private async launch(component: Component): Promise<ManagedProcess> {
    const p = new ManagedProcess({
      name: component.name,
      argv: component.argv,
      logPath: path.join(this.layout.logs, `${component.name}.log`),
      onExit: (code, signal, restarts) => {
        if (!this.stopping) {
          this.progress(
            `${component.name} exited (code ${code}, signal ${signal}); restart #${restarts}; log: ${path.join(this.layout.logs, `${component.name}.log`)}`,
          );
        }
      },
    });
    await p.start();
    this.processes.push(p);
    return p;
  }

  private async startEtcd(): Promise<void> {
    const p = await this.launch(etcdComponent(this.layout));
    await pollUntil(
      'etcd healthy on 127.0.0.1:2379',
      TIMEOUTS.etcd,
      async () => {
        const body = await httpGet('http://127.0.0.1:2379/health');
        return {
          done: body.includes('"health":"true"') || body.includes('"health": "true"'),
          detail: body,
        };
      },
      { hint: `etcd log: ${p.logPath}` },
    ).catch(rethrowAs(ComponentStartError));
  }

  private async adminTls(): Promise<{ ca: string; cert: string; key: string }> {
    const [ca, cert, key] = await Promise.all([
      readFile(pkiPath(this.layout, 'caCert'), 'utf8'),
      readFile(path.join(this.layout.pki, 'admin.crt'), 'utf8'),
      readFile(path.join(this.layout.pki, 'admin.key'), 'utf8'),
    ]);
    return { ca, cert, key };
  }

  private async startApiserver(): Promise<void> {
    const p = await this.launch(apiserverComponent(this.layout, this.spec.binDir));
    await this.startSocketBridge();
    const tls = await this.adminTls();
    await pollUntil(
      'kube-apiserver /readyz',
      TIMEOUTS.apiserver,
      async () => {
        const body = await httpGet(
          `https://127.0.0.1:${CLUSTER_NETWORK.apiserverPort}/readyz`,
          tls,
        );
        return { done: body.trim() === 'ok', detail: body.slice(0, 300) };
      },
      { hint: `its log: ${p.logPath}`, intervalMs: 1000 },
    ).catch(rethrowAs(ComponentStartError));
    this.kc = new KubeConfig();
    this.kc.loadFromFile(path.join(this.layout.internalKubeconfigs, 'admin.kubeconfig'));
  }

  /**
   * The apiserver lives in the sandbox's netns; the host reaches it through a
   * unix socket in the state dir (paths are shared across netns), bridged
   * here to 127.0.0.1:6443 and on the host side to a loopback TCP port.
   */
  private async startSocketBridge(): Promise<void> {
    await rm(this.layout.apiserverSocket, { force: true });
    const server = net.createServer((client) => {
      const upstream = net.connect(CLUSTER_NETWORK.apiserverPort, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.layout.apiserverSocket, resolve);
    });
    this.socketServer = server;
  }

  private async startControllers(): Promise<void> {
    const cm = await this.launch(controllerManagerComponent(this.layout, this.spec.binDir));
    const sched = await this.launch(schedulerComponent(this.layout, this.spec.binDir));
    for (const [p, port] of [
      [cm, 10257],
      [sched, 10259],
    ] as const) {
      await pollUntil(
        `${p.options.name} /healthz`,
        TIMEOUTS.component,
        async () => {
          const body = await httpGet(`https://127.0.0.1:${port}/healthz`, 'insecure');
          return { done: body.trim() === 'ok', detail: body.slice(0, 300) };
        },
        { hint: `its log: ${p.logPath}`, intervalMs: 1000 },
      ).catch(rethrowAs(ComponentStartError));
    }
  }

  private async waitDefaultServiceAccount(): Promise<void> {
    const core = this.client.makeApiClient(CoreV1Api);
    await pollUntil(
      'the service-account controller creating default/default',
      TIMEOUTS.component,
      async () => {
        await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return { done: true };
      },
      {
        hint: `controller-manager log: ${path.join(this.layout.logs, 'kube-controller-manager.log')}`,
      },
    );
  }

  private async applyAddons(): Promise<void> {
    const files = (await readdir(this.spec.addonsDir)).filter((f) => /\.ya?ml$/.test(f)).sort();
    for (const f of files) {
      const objects = parseManifests(await readFile(path.join(this.spec.addonsDir, f), 'utf8'), f);
      await applyObjects(this.client, objects);
      this.progress(`  applied ${f} (${objects.length} objects)`);
    }
  }

  // --- nodes ----------------------------------------------------------------

  private async startKubelets(): Promise<void> {
    const kubelet = this.spec.kubeletCommand;
    if (!kubelet) {
      throw new ComponentStartError(
        'no netns kubelet found (tools/netns-kubelet/src/main.ts or dist/main.js); nodes cannot start',
      );
    }
    for (const node of this.spec.nodes) {
      const nl = nodeLayout(this.layout, node.name);
      const argv = [
        'ip',
        'netns',
        'exec',
        node.netns,
        ...kubelet,
        ...kubeletArgv({
          node,
          nodeLayout: nl,
          clusterLayout: this.layout,
          imageTable: this.spec.imageTable,
          binDir: this.spec.binDir,
        }),
      ];
      const p = new ManagedProcess({
        name: `kubelet-${node.name}`,
        argv,
        logPath: nl.log,
        cwd: this.spec.repoRoot,
        onExit: (code, signal, restarts) => {
          if (!this.stopping) {
            this.progress(
              `kubelet on ${node.name} exited (code ${code}, signal ${signal}); restart #${restarts}; log: ${nl.log}`,
            );
          }
        },
      });
      await p.start();
      this.kubelets.push(p);
    }
    this.startNodeReconciler();
  }

  private startNodeReconciler(): void {
    this.reconcileTimer = setInterval(() => {
      void this.reconcileNodes().catch((err: unknown) => {
        this.progress(`node network reconcile failed: ${String(err)}`);
      });
    }, 1000);
  }

  /**
   * What a CNI daemonset (kindnet, flannel) does on a real cluster: once the
   * controller-manager assigns a node its pod CIDR, write the node's CNI
   * conflist for that range, and route the range via the node from the
   * sandbox's root netns (where the apiserver answers pods).
   */
  private async reconcileNodes(): Promise<void> {
    const core = this.client.makeApiClient(CoreV1Api);
    const nodes = await core.listNode();
    for (const node of nodes.items) {
      const name = node.metadata?.name;
      const cidr = node.spec?.podCIDR;
      const ip = internalIp(node);
      const plan = this.spec.nodes.find((n) => n.name === name);
      if (!name || !cidr || !ip || !plan) continue;
      const key = `${cidr} via ${ip}`;
      if (this.routed.get(name) === key) continue;
      const nl = nodeLayout(this.layout, name);
      const conflist =
        JSON.stringify(cniConflist({ podCidr: cidr, ipamDataDir: nl.ipamDataDir }), null, 2) + '\n';
      await writeFile(path.join(nl.cniConfDir, `.${CNI_CONFLIST_FILE}.tmp`), conflist);
      await rename(
        path.join(nl.cniConfDir, `.${CNI_CONFLIST_FILE}.tmp`),
        path.join(nl.cniConfDir, CNI_CONFLIST_FILE),
      );
      await run('ip', ['route', 'replace', cidr, 'via', ip, 'dev', CLUSTER_NETWORK.bridgeName]);
      this.routed.set(name, key);
      this.progress(`  ${name}: pod CIDR ${cidr}, CNI config written, routed via ${ip}`);
    }
  }

  private async waitNodesReady(): Promise<void> {
    const core = this.client.makeApiClient(CoreV1Api);
    const want = this.spec.nodes.map((n) => n.name);
    await pollUntil(
      `nodes ${want.join(', ')} Ready`,
      TIMEOUTS.nodesReady,
      async () => {
        const nodes = (await core.listNode()).items;
        const ready = nodes.filter(isNodeReady).map((n) => n.metadata?.name ?? '');
        const missing = want.filter((w) => !ready.includes(w));
        return {
          done: missing.length === 0,
          detail: `not Ready: ${missing.join(', ')} (registered: ${nodes.map((n) => n.metadata?.name).join(', ') || 'none'})`,
        };
      },
      { hint: `kubelet logs: ${path.join(this.layout.logs, 'kubelet-*.log')}`, intervalMs: 1000 },
    );
  }

  private async waitAddonsReady(): Promise<void> {
    const apps = this.client.makeApiClient(AppsV1Api);
    await pollUntil(
      'kube-proxy DaemonSet ready on every node',
      TIMEOUTS.addonsReady,
      async () => {
        const ds = await apps.readNamespacedDaemonSet({
          name: 'kube-proxy',
          namespace: 'kube-system',
        });
        return {
          done: isDaemonSetReady(ds, this.spec.nodes.length),
          detail: `ready ${ds.status?.numberReady ?? 0}/${ds.status?.desiredNumberScheduled ?? 0}`,
        };
      },
      { hint: 'see the kube-proxy pods and the kubelet logs', intervalMs: 1000 },
    );
    await pollUntil(
      'CoreDNS Deployment available',
      TIMEOUTS.addonsReady,
      async () => {
        const dep = await apps.readNamespacedDeployment({
          name: 'coredns',
          namespace: 'kube-system',
        });
        return {
          done: isDeploymentAvailable(dep),
          detail: `available ${dep.status?.availableReplicas ?? 0}/${dep.spec?.replicas ?? 1}`,
        };
      },
      { hint: 'see the coredns pod and the kubelet logs', intervalMs: 1000 },
    );
  }

  // --- shutdown -------------------------------------------------------------

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.progress('stopping: kubelets first (they tear their pods down), then the control plane');
    await Promise.all(this.kubelets.map((k) => k.stop(20_000)));
    for (const p of [...this.processes].reverse()) await p.stop(10_000);
    this.socketServer?.close();
    // A failure stays the final word: the host side reads it to explain why.
    if (this.phase !== 'failed') await this.status('stopped').catch(() => undefined);
  }

  get nodes(): readonly NodePlan[] {
    return this.spec.nodes;
  }
}

function internalIp(node: V1Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function rethrowAs(ctor: new (msg: string) => Error): (err: unknown) => never {
  return (err) => {
    throw new ctor(err instanceof Error ? err.message : String(err));
  };
}

/** GET a URL and return the body (any status); TLS with the given client cert, or without verification. */
function httpGet(
  url: string,
  tls?: { ca: string; cert: string; key: string } | 'insecure',
): Promise<string> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const opts: https.RequestOptions = {
      method: 'GET',
      hostname: u.hostname,
      port: u.port,
      path: u.pathname,
      timeout: 5000,
      ...(tls === 'insecure' ? { rejectUnauthorized: false } : tls ? { ...tls } : {}),
    };
    const req = (u.protocol === 'https:' ? https : http).request(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => {
        resolve(body);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}
