// The bench's mesh on loopback, three processes:
//
//   bench (this one): the clients, and the stand-in istiod (delta ADS + CA)
//   pods:             reviews-v1 and -v2, each an HBONE server on <ip>:15008
//                     in front of an HTTP app on <ip>:9080
//   waypoint:         src/main.ts (or dist/main.js), HBONE on 127.77.0.20:15008
//
// and the three ways a client reaches a pod:
//
//   direct    client ── TCP ──▶ app
//   hbone     client ══ HBONE (mTLS, h2 CONNECT podIP:9080) ══▶ pod's HBONE server ──▶ app
//   waypoint  client ══ HBONE (CONNECT VIP:9080) ══▶ waypoint ══ HBONE ══▶ pod's HBONE server ──▶ app
//
// The waypoint holds one HTTP listener for the reviews service: an ALLOW
// policy for the client's identity and one route matching a header, to both
// pods. The addresses (127.77.0.0/24) are the bench's own, so a loopback
// test running at the same time does not collide with it.

import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { HbonePool } from '@ambient-ts/hbone';
import { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import { istioIdentity } from '@ambient-ts/spiffe';
import {
  allowPolicy,
  backend,
  forwardTo,
  headerExact,
  httpListener,
  serviceInit,
  serviceRef,
  TRUST_DOMAIN,
  workloadInit,
} from '../test/harness/mesh-resources.js';
import { getRequest } from '../test/harness/keep-alive-client.js';
import { issueSvid } from '../test/harness/svid.js';
import {
  waypointArgs,
  waypointEnv,
  type WaypointPod,
  waypointWorkload,
} from '../test/harness/waypoint-env.js';
import { startWaypointProcess, type WaypointProcess } from '../test/harness/waypoint-process.js';
import type { BenchConfig } from './config.js';
import type { PodsReply, PodsStart } from './pods-process.js';

export type PathId = 'direct' | 'hbone' | 'waypoint';
export const PATHS: readonly PathId[] = ['direct', 'hbone', 'waypoint'];

const NS = 'default';
const PORT = 9080;
const REVIEWS = serviceRef(NS, 'reviews', '198.18.77.10', PORT);
const PODS = [
  { name: 'reviews-v1', version: 'v1', ip: '127.77.0.11' },
  { name: 'reviews-v2', version: 'v2', ip: '127.77.0.12' },
] as const;
const WAYPOINT: WaypointPod = {
  namespace: NS,
  serviceAccount: 'waypoint',
  podName: 'waypoint-bench-0',
  ip: '127.77.0.20',
  ports: { admin: 15000, stats: 15020, readiness: 15021 },
};
const CLIENT_SA = 'bench-client';
/** The header the waypoint's only route matches on. */
export const ROUTE_HEADER = { name: 'x-bench-route', value: 'reviews' } as const;

export interface Topology {
  /** Opens client number `i`'s connection on a path (clients alternate between the pods). */
  readonly open: Readonly<Record<PathId, (i: number) => Promise<Duplex>>>;
  /** The one request every client sends, on every path. */
  readonly request: Buffer;
  /** The same request without the route's header: the waypoint must answer 404. */
  readonly unroutedRequest: Buffer;
  readonly pids: { readonly pods: number; readonly waypoint: number };
  /** The waypoint's Prometheus text. */
  waypointMetrics(): Promise<string>;
  close(): Promise<void>;
}

const podOf = (i: number): (typeof PODS)[number] => PODS[i % PODS.length] ?? PODS[0];

export async function startTopology(cfg: BenchConfig, log: (l: string) => void): Promise<Topology> {
  const cleanup: (() => Promise<void> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const c of cleanup.reverse()) await c();
  };
  try {
    const istiod = new IstiodStandIn();
    await istiod.start();
    cleanup.push(() => istiod.close());
    const podSvid = await issueSvid(istiod.ca, TRUST_DOMAIN, NS, 'bookinfo-reviews');
    const client = await issueSvid(istiod.ca, TRUST_DOMAIN, NS, CLIENT_SA);

    istiod.setService(serviceInit(REVIEWS));
    for (const p of PODS) {
      istiod.setWorkload(
        workloadInit({
          namespace: NS,
          name: p.name,
          ip: p.ip,
          serviceAccount: 'bookinfo-reviews',
          services: [REVIEWS],
        }),
      );
    }
    istiod.setWorkload(waypointWorkload(WAYPOINT));
    istiod.setListener(
      httpListener(
        REVIEWS,
        [
          {
            name: 'HTTPRoute/default/reviews/rule/0',
            matches: [{ headers: [headerExact(ROUTE_HEADER.name, ROUTE_HEADER.value)] }],
            action: forwardTo(backend(REVIEWS)),
          },
        ],
        [
          allowPolicy(NS, 'reviews-viewer', {
            principals: [`${TRUST_DOMAIN}/ns/${NS}/sa/${CLIENT_SA}`],
            methods: ['GET'],
          }),
        ],
      ),
    );

    log('starting the pods process');
    const pods = await startPods({
      kind: 'start',
      pods: PODS.map((p) => ({ ip: p.ip, version: p.version, svid: podSvid })),
      port: PORT,
      bodyBytes: cfg.bodyBytes,
    });
    cleanup.push(() => stopChild(pods));
    killOnExit(pods);

    log('starting the waypoint process');
    const logFile = path.join(tmpdir(), `waypoint-bench-${process.pid}.log`);
    cleanup.push(() => {
      rmSync(logFile, { force: true });
    });
    const waypoint = startWaypointProcess({
      env: { ...waypointEnv(istiod, WAYPOINT), LOG_LEVEL: cfg.waypointLogLevel },
      args: waypointArgs(WAYPOINT),
      logFile,
      nodeFlags: cfg.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${cfg.profileDir}`] : [],
      entry: cfg.fromDist ? 'dist' : 'source',
    });
    cleanup.push(() => waypoint.stop());
    killOnExit(waypoint.child);
    await waitReady(waypoint, logFile);
    log('waypoint ready');

    const pool = new HbonePool();
    // A graceful close waits for every tunnel; after a failed run one may be stuck open.
    cleanup.push(() =>
      withDeadline(pool.close(), 5000, () => {
        pool.destroy();
      }),
    );
    const reviewsId = istioIdentity(TRUST_DOMAIN, NS, 'bookinfo-reviews');
    const waypointId = istioIdentity(TRUST_DOMAIN, NS, WAYPOINT.serviceAccount);
    const headers = { host: `reviews:${PORT}` };
    const admin = WAYPOINT.ports ?? { admin: 0, stats: 0, readiness: 0 };
    return {
      open: {
        direct: (i) => tcp(podOf(i).ip, PORT),
        hbone: (i) =>
          pool.connect({
            source: client,
            destination: { address: `${podOf(i).ip}:15008`, expectedIdentities: [reviewsId] },
            target: `${podOf(i).ip}:${PORT}`,
          }),
        waypoint: () =>
          pool.connect({
            source: client,
            destination: { address: `${WAYPOINT.ip}:15008`, expectedIdentities: [waypointId] },
            target: `${REVIEWS.vip}:${PORT}`,
          }),
      },
      request: getRequest('/reviews/0', { ...headers, [ROUTE_HEADER.name]: ROUTE_HEADER.value }),
      unroutedRequest: getRequest('/reviews/0', headers),
      pids: { pods: pods.pid ?? -1, waypoint: waypoint.pid },
      async waypointMetrics() {
        const r = await fetch(`http://${WAYPOINT.ip}:${admin.stats}/stats/prometheus`);
        return r.text();
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A helper process must not outlive the bench (it would hold the bench's addresses). */
function killOnExit(child: ChildProcess): void {
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

async function withDeadline(work: Promise<void>, ms: number, onLate: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onLate();
      resolve();
    }, ms);
  });
  await Promise.race([work, late]);
  clearTimeout(timer);
}

function tcp(host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function startPods(msg: PodsStart): Promise<ChildProcess> {
  const child = fork(path.join(import.meta.dirname, 'pods-process.ts'), [], {
    cwd: path.resolve(import.meta.dirname, '..'),
    execArgv: ['--conditions=@ambient-ts/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`pods process exited with ${code} before it was ready`));
    });
    child.once('message', (reply: PodsReply) => {
      if (reply.kind === 'ready') resolve(child);
      else reject(new Error(`pods process failed: ${reply.error}`));
    });
    child.send(msg);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.disconnect();
  await exited;
}

async function waitReady(waypoint: WaypointProcess, logFile: string): Promise<void> {
  const url = `http://${WAYPOINT.ip}:${WAYPOINT.ports?.readiness ?? 15021}/healthz/ready`;
  const deadline = Date.now() + 60_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (waypoint.child.exitCode !== null) break;
    try {
      const r = await fetch(url);
      last = `${r.status} ${await r.text()}`;
      if (r.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let logTail = '';
  try {
    logTail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    // No log yet.
  }
  throw new Error(
    `waypoint not ready (last readiness: ${last.trim()})\nstderr:\n${waypoint.stderrTail.join('\n')}\nlog:\n${logTail}`,
  );
}
