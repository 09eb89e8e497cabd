// The integration harness: a netns lab, a stand-in istiod (xDS + CA), one
// in-process ztunnel per node with its own ZDS server, and pods whose
// workloads are pushed over xDS and (when captured) redirected with the real
// in-pod rules and enrolled over ZDS with their real netns fd.

import { Writable } from 'node:stream';
import path from 'node:path';
import { InpodRedirector, nsenterRunner } from '@ambient-ts/inpod-redirection';
import { closeFd, openNetns, type NetnsFd } from '@ambient-ts/linux-sockets';
import { workload as wl } from '@ambient-ts/xds-types';
import { loadConfig } from '../../src/config.js';
import { LogManager } from '../../src/telemetry/logging.js';
import { Ztunnel, type ZtunnelAddresses } from '../../src/ztunnel.js';
import {
  IstiodStandIn as ControlPlane,
  type ServiceInit,
  type WorkloadInit,
} from '@ambient-ts/istiod-client/testing';
import { NetnsLab, type LabPod } from './lab.js';
import { TestZdsServer } from './zds-server.js';

export type LogRecord = Record<string, unknown> & {
  message?: string;
  scope?: string;
  level?: string;
};

/** Collects a ztunnel's JSON log lines. */
export class LogCapture extends Writable {
  readonly records: LogRecord[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line) this.records.push(JSON.parse(line) as LogRecord);
    }
    cb();
  }
  access(): LogRecord[] {
    return this.records.filter((r) => r.scope === 'access' && r.message === 'connection complete');
  }
}

export interface MeshNode {
  readonly name: string;
  readonly ztunnel: Ztunnel;
  readonly zds: TestZdsServer;
  readonly logs: LogCapture;
  readonly addresses: ZtunnelAddresses;
}

export interface MeshPod {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Kubernetes pod uid (ZDS). */
  readonly podUid: string;
  /** WDS workload uid. */
  readonly uid: string;
  readonly ip: string;
  readonly lab: LabPod;
  readonly netns: NetnsFd;
  readonly captured: boolean;
  readonly identity: string;
}

export interface PodOptions {
  readonly namespace?: string;
  readonly serviceAccount?: string;
  /** Captured pods get the in-pod rules, are enrolled over ZDS and speak HBONE. Default true. */
  readonly captured?: boolean;
  /** Extra workload fields (services, waypoint, …). */
  readonly workload?: Partial<WorkloadInit>;
  /** Push the workload to xDS (default true). */
  readonly xds?: boolean;
  /** Redirect the pod's DNS to ztunnel (in-pod rules option; default false). */
  readonly dnsCapture?: boolean;
  /** net.ipv4.tcp_migrate_req=1 in the pod (see InpodRedirector.apply); default false. */
  readonly migrateRequestsOnListenerClose?: boolean;
}

export function ipBytes(ip: string): Uint8Array {
  return new Uint8Array(ip.split('.').map(Number));
}

/** Waits for `cond` (re-checked every 10 ms), failing after `ms` with `what`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export class Mesh {
  readonly lab = new NetnsLab();
  readonly cp = new ControlPlane();
  readonly nodes = new Map<string, MeshNode>();
  readonly pods = new Map<string, MeshPod>();
  readonly redirector = new InpodRedirector({ runner: nsenterRunner() });

  static async create(): Promise<Mesh> {
    const m = new Mesh();
    try {
      await m.cp.start();
    } catch (err) {
      m.lab.cleanup();
      throw err;
    }
    return m;
  }

  /** Starts an in-process ztunnel for `node` (and its ZDS server). */
  async ztunnel(node: string, env: Record<string, string> = {}): Promise<MeshNode> {
    this.lab.node(node);
    const zdsPath = path.join(this.cp.dir, `${node}-ztunnel.sock`);
    const zds = this.nodes.get(node)?.zds ?? new TestZdsServer(zdsPath);
    const logs = new LogCapture();
    const config = loadConfig({
      ...this.cp.env(),
      NODE_NAME: node,
      POD_NAME: `ztunnel-${node}`,
      POD_NAMESPACE: 'istio-system',
      INPOD_UDS: zdsPath,
      ADMIN_ADDR: '127.0.0.1:0',
      STATS_ADDR: '127.0.0.1:0',
      READINESS_ADDR: '127.0.0.1:0',
      CONNECTION_TERMINATION_DEADLINE: '2s',
      RUST_LOG: 'info',
      ...env,
    });
    const ztunnel = new Ztunnel(config, {
      logs: new LogManager({ format: 'json', directives: config.logLevel, destination: logs }),
    });
    const addresses = await ztunnel.start();
    const n: MeshNode = { name: node, ztunnel, zds, logs, addresses };
    this.nodes.set(node, n);
    return n;
  }

  /**
   * A second ztunnel for `node` (a rolling upgrade): its own ZDS server replays
   * the node's captured pods to it, so both ztunnels bind the pods' ports
   * (SO_REUSEPORT) until the old one is closed. Not registered in `nodes`.
   */
  async upgrade(node: string, generation = 2): Promise<MeshNode> {
    const zds = new TestZdsServer(path.join(this.cp.dir, `${node}-ztunnel-${generation}.sock`));
    for (const p of this.pods.values()) {
      if (!p.captured || p.lab.node.name !== node) continue;
      void zds.add({
        uid: p.podUid,
        name: p.name,
        namespace: p.namespace,
        serviceAccount: p.serviceAccount,
        netnsPath: p.lab.path,
      });
    }
    const logs = new LogCapture();
    const config = loadConfig({
      ...this.cp.env(),
      NODE_NAME: node,
      POD_NAME: `ztunnel-${node}-${generation}`,
      POD_NAMESPACE: 'istio-system',
      INPOD_UDS: zds.path,
      ADMIN_ADDR: '127.0.0.1:0',
      STATS_ADDR: '127.0.0.1:0',
      READINESS_ADDR: '127.0.0.1:0',
      CONNECTION_TERMINATION_DEADLINE: '2s',
    });
    const ztunnel = new Ztunnel(config, {
      logs: new LogManager({ format: 'json', directives: config.logLevel, destination: logs }),
    });
    const addresses = await ztunnel.start();
    this.#extra.push({ ztunnel, zds });
    return { name: node, ztunnel, zds, logs, addresses };
  }

  readonly #extra: { ztunnel: Ztunnel; zds: TestZdsServer }[] = [];

  async pod(node: string, name: string, o: PodOptions = {}): Promise<MeshPod> {
    const namespace = o.namespace ?? 'default';
    const serviceAccount = o.serviceAccount ?? name;
    const captured = o.captured ?? true;
    const lab = this.lab.pod(node, name);
    const netns = openNetns({ path: lab.path });
    const pod: MeshPod = {
      name,
      namespace,
      serviceAccount,
      podUid: `pod-uid-${name}`,
      uid: `cluster1//v1/Pod/${namespace}/${name}`,
      ip: lab.ip,
      lab,
      netns,
      captured,
      identity: `spiffe://cluster.local/ns/${namespace}/sa/${serviceAccount}`,
    };
    this.pods.set(name, pod);
    if (captured) {
      await this.redirector.apply(lab.path, {
        dnsCapture: o.dnsCapture ?? false,
        migrateRequestsOnListenerClose: o.migrateRequestsOnListenerClose ?? false,
      });
    }
    if (o.xds ?? true) this.pushWorkload(pod, o.workload);
    if (captured) {
      const zds = this.nodes.get(node)?.zds;
      if (zds) {
        const err = await zds.add({
          uid: pod.podUid,
          name,
          namespace,
          serviceAccount,
          netnsPath: lab.path,
        });
        if (err) throw new Error(`ztunnel NACKed pod ${name}: ${err}`);
      }
    }
    return pod;
  }

  pushWorkload(pod: MeshPod, extra: Partial<WorkloadInit> = {}): void {
    this.cp.setWorkload({
      uid: pod.uid,
      name: pod.name,
      namespace: pod.namespace,
      serviceAccount: pod.serviceAccount,
      addresses: [ipBytes(pod.ip)],
      node: pod.lab.node.name,
      tunnelProtocol: pod.captured ? wl.TunnelProtocol.HBONE : wl.TunnelProtocol.NONE,
      canonicalName: pod.name,
      canonicalRevision: 'v1',
      workloadName: pod.name,
      clusterId: 'Kubernetes',
      ...extra,
    });
  }

  service(init: ServiceInit & { namespace: string; hostname: string }): void {
    this.cp.setService(init);
  }

  /** Waits until every ztunnel has applied exactly what the store holds now. */
  async synced(): Promise<void> {
    const wanted = new Map<string, Map<string, string>>();
    for (const typeUrl of [
      'type.googleapis.com/istio.workload.Address',
      'type.googleapis.com/istio.security.Authorization',
    ]) {
      wanted.set(
        typeUrl,
        new Map([...this.cp.store.list(typeUrl)].map((r) => [r.name, r.version])),
      );
    }
    for (const n of this.nodes.values()) {
      await until(() => {
        const snap = n.ztunnel.xds.snapshot();
        return snap.types.every((t) => {
          const w = wanted.get(t.typeUrl) ?? new Map<string, string>();
          const known = Object.entries(t.knownVersions);
          return t.everAcked && known.length === w.size && known.every(([k, v]) => w.get(k) === v);
        });
      }, `ztunnel ${n.name} to apply the pushed config`);
    }
  }

  /** Waits for every ztunnel's readiness endpoint to answer 200. */
  async ready(): Promise<void> {
    for (const n of this.nodes.values()) {
      await until(async () => {
        const res = await fetch(`http://127.0.0.1:${n.addresses.readiness.port}/healthz/ready`);
        await res.text();
        return res.status === 200;
      }, `ztunnel ${n.name} to be ready`);
    }
  }

  /** Waits until the pod's HBONE listener serves (workload + certificate in place). */
  async serving(pod: MeshPod): Promise<void> {
    const n = this.nodes.get(pod.lab.node.name);
    if (!n) return;
    await until(
      () => n.ztunnel.proxy(pod.podUid)?.hboneServing === true,
      `pod ${pod.name} to serve HBONE`,
    );
  }

  async metrics(node: string): Promise<string> {
    const n = this.nodes.get(node);
    if (!n) throw new Error(`no ztunnel on ${node}`);
    const res = await fetch(`http://127.0.0.1:${n.addresses.stats.port}/stats/prometheus`);
    return res.text();
  }

  async close(): Promise<void> {
    for (const n of [...this.nodes.values(), ...this.#extra]) {
      await n.ztunnel.close();
      n.zds.close();
    }
    for (const p of this.pods.values()) {
      try {
        closeFd(p.netns);
      } catch {
        // Already closed.
      }
    }
    await this.cp.close();
    this.lab.cleanup();
  }
}

/** Sums a Prometheus counter over the series whose labels include `filter`. */
export function sumMetric(text: string, name: string, filter: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const ok = Object.entries(filter).every(([k, v]) => labels.includes(`${k}="${v}"`));
    if (ok) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
