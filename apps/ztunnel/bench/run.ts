// ztunnel end to end on the integration tests' netns topology (two nodes on a
// bridge, pods behind them), one run, three paths between a client pod on
// node1 and a server pod on node2:
//
//   direct      uncaptured pod ─────────────────────────────────▶ uncaptured pod
//   tcp relay   uncaptured pod ──▶ Node TCP relay (node1 netns) ──▶ uncaptured pod
//   hbone       captured pod ─▶ ztunnel (node1) ══mTLS+h2══▶ ztunnel (node2) ─▶ captured pod
//
// Each ztunnel is src/main.ts in its own process with the real in-pod rules.
// Reported: bulk throughput on one connection; p50/p99 latency and the
// achieved rate for request/response at a fixed rate; CPU seconds and RSS of
// the proxies per 1000 requests of that phase. Root only (network
// namespaces). `npm run bench -w apps/ztunnel [-- --json]`.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import path from 'node:path';
import { connectTcpInNetns, listenTcpInNetns, type NetnsFd } from '@ambient-ts/linux-sockets';
import { labUnavailable } from '../test/harness/lab.js';
import { Mesh, until, type MeshPod } from '../test/harness/mesh.js';
import { TestZdsServer } from '../test/harness/zds-server.js';
import { startZtunnelProcess, type ZtunnelProcess } from '../test/harness/ztunnel-process.js';
import { loadBenchConfig } from './config.js';
import { bulkUpload, fixedRate, quantile } from './load.js';

const RR_PORT = 8081;
const SINK_PORT = 8082;
const RELAY_PORT = 9000;
const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

export interface PathResult {
  readonly id: 'direct' | 'relay' | 'hbone';
  readonly throughputGbps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly achievedRps: number;
  readonly completed: number;
  readonly sent: number;
  /** CPU seconds of the proxy processes per 1000 requests (undefined for direct). */
  readonly proxyCpuSecondsPer1000?: number;
  /** RSS of each proxy process after the run, MiB. */
  readonly proxyRssMiB?: readonly number[];
}

export interface BenchResult {
  readonly config: ReturnType<typeof loadBenchConfig>;
  readonly paths: readonly PathResult[];
}

function apps(netns: NetnsFd): Server[] {
  const rr = createServer({ noDelay: true }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  }).listen({ fd: listenTcpInNetns(netns, { host: '0.0.0.0', port: RR_PORT }) });
  const sink = createServer({ allowHalfOpen: true }, (s) => {
    let n = 0n;
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => (n += BigInt(d.length)));
    s.on('end', () => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(n);
      s.end(b);
    });
  }).listen({ fd: listenTcpInNetns(netns, { host: '0.0.0.0', port: SINK_PORT }) });
  return [rr, sink];
}

async function dialFrom(netns: NetnsFd, host: string, port: number): Promise<Socket> {
  const fd = await connectTcpInNetns(netns, { host, port, timeoutMs: 10_000 });
  const s = new Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
  s.setNoDelay(true);
  return s;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat (1-based, counting pid and comm).
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** The relay's node process (a child of `ip netns exec`, which execs into it, so the same pid). */
function relayPid(relay: ChildProcess): number {
  return relay.pid ?? 0;
}

function startRelay(netns: string, listenIp: string, target: string): Promise<ChildProcess> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      netns,
      process.execPath,
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'tcp-relay.ts'),
      listenIp,
      `${RELAY_PORT}=${target}:${SINK_PORT}`,
      `${RELAY_PORT + 1}=${target}:${RR_PORT}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: path.resolve(import.meta.dirname, '..') },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => {
      resolve(child);
    });
    child.once('exit', (code) => {
      reject(new Error(`the relay exited with ${code}`));
    });
  });
}

async function measure(
  id: PathResult['id'],
  from: NetnsFd,
  host: string,
  sinkPort: number,
  rrPort: number,
  proxyPids: readonly number[],
  cfg: ReturnType<typeof loadBenchConfig>,
  log: (l: string) => void,
): Promise<PathResult> {
  const bytes = cfg.bulkMiB * 1024 * 1024;
  // Warm up (first connection, certificates, JIT), then measure.
  await bulkUpload(await dialFrom(from, host, sinkPort), 1024 * 1024);
  const ms = await bulkUpload(await dialFrom(from, host, sinkPort), bytes);
  const throughputGbps = (bytes * 8) / (ms / 1000) / 1e9;
  log(`${id}: ${throughputGbps.toFixed(2)} Gb/s bulk`);
  const sockets = await Promise.all(
    Array.from({ length: cfg.connections }, () => dialFrom(from, host, rrPort)),
  );
  await fixedRate(sockets, Math.min(cfg.rate, 500), 1, cfg.messageBytes);
  const cpuBefore = proxyPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const r = await fixedRate(sockets, cfg.rate, cfg.seconds, cfg.messageBytes);
  const cpuAfter = proxyPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  for (const s of sockets) s.destroy();
  const result: PathResult = {
    id,
    throughputGbps,
    p50Ms: quantile(r.latenciesMs, 0.5),
    p99Ms: quantile(r.latenciesMs, 0.99),
    achievedRps: (r.completed / r.elapsedMs) * 1000,
    completed: r.completed,
    sent: r.sent,
    ...(proxyPids.length > 0
      ? {
          proxyCpuSecondsPer1000: ((cpuAfter - cpuBefore) / Math.max(1, r.completed)) * 1000,
          proxyRssMiB: proxyPids.map(rssMiB),
        }
      : {}),
  };
  log(
    `${id}: p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms, ${r.completed}/${r.sent} done`,
  );
  return result;
}

export async function runBench(log: (l: string) => void): Promise<BenchResult> {
  if (labUnavailable)
    throw new Error(`the ztunnel bench needs network namespaces: ${labUnavailable}`);
  const cfg = loadBenchConfig(process.argv);
  const mesh = await Mesh.create();
  const procs: ZtunnelProcess[] = [];
  const zdsServers: TestZdsServer[] = [];
  const servers: Server[] = [];
  let relay: ChildProcess | undefined;
  try {
    const node1 = mesh.lab.node('node1');
    mesh.lab.node('node2');
    const pods: Record<string, MeshPod> = {};
    pods.client = await mesh.pod('node1', 'client');
    pods.server = await mesh.pod('node2', 'server');
    pods.pclient = await mesh.pod('node1', 'plain-client', { captured: false, xds: false });
    pods.pserver = await mesh.pod('node2', 'plain-server', { captured: false, xds: false });
    servers.push(...apps(pods.server.netns), ...apps(pods.pserver.netns));
    for (const node of ['node1', 'node2']) {
      const zds = new TestZdsServer(path.join(mesh.cp.dir, `${node}.sock`));
      zdsServers.push(zds);
      for (const p of Object.values(pods)) {
        if (p.captured && p.lab.node.name === node) {
          void zds.add({
            uid: p.podUid,
            name: p.name,
            namespace: p.namespace,
            serviceAccount: p.serviceAccount,
            netnsPath: p.lab.path,
          });
        }
      }
      procs.push(
        await startZtunnelProcess(
          {
            ...mesh.cp.env(),
            NODE_NAME: node,
            POD_NAME: `ztunnel-${node}`,
            POD_NAMESPACE: 'istio-system',
            INPOD_UDS: zds.path,
            ISTIO_META_DNS_CAPTURE: 'false',
          },
          cfg.fromDist ? 'dist' : 'source',
          cfg.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${cfg.profileDir}`] : [],
        ),
      );
    }
    for (const p of procs)
      await until(async () => (await p.readiness())?.status === 200, 'ztunnel readiness', 60_000);
    for (const p of procs) {
      await until(
        () => p.lines.some((l) => l.includes('certificate issued')),
        'a certificate',
        30_000,
      );
    }
    relay = await startRelay(node1.netns, node1.ip, pods.pserver.ip);
    log('topology up');
    const results: PathResult[] = [];
    results.push(
      await measure(
        'direct',
        pods.pclient.netns,
        pods.pserver.ip,
        SINK_PORT,
        RR_PORT,
        [],
        cfg,
        log,
      ),
    );
    const relayResult = await measure(
      'relay',
      pods.pclient.netns,
      node1.ip,
      RELAY_PORT,
      RELAY_PORT + 1,
      [relayPid(relay)],
      cfg,
      log,
    );
    results.push(relayResult);
    results.push(
      await measure(
        'hbone',
        pods.client.netns,
        pods.server.ip,
        SINK_PORT,
        RR_PORT,
        procs.map((p) => p.child.pid ?? 0),
        cfg,
        log,
      ),
    );
    return { config: cfg, paths: results };
  } finally {
    relay?.kill('SIGKILL');
    for (const p of procs) p.child.kill(cfg.profileDir ? 'SIGTERM' : 'SIGKILL');
    if (cfg.profileDir) await Promise.all(procs.map((p) => p.exited));
    for (const s of servers) s.close();
    for (const z of zdsServers) z.close();
    await mesh.close();
  }
}
