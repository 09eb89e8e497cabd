// HBONE data path versus plain TCP, measured in one run on loopback:
//
//   direct        driver ──────────────────────────────────────▶ apps (sink / echo)
//   tcp relay     driver ──▶ relay ────────────────────────────▶ apps
//   tcp relay ×2  driver ──▶ relay ──▶ relay ──────────────────▶ apps
//   hbone pair    driver ──▶ hbone-out ══mTLS+h2 CONNECT══▶ hbone-in ──▶ apps
//
// Every box is its own process, as the ztunnels would be. Variants are
// interleaved within each repetition so background load hits them alike.

import { cpus, loadavg } from 'node:os';
import {
  CertificateAuthority,
  createCsr,
  generateWorkloadKey,
  istioIdentity,
} from '@ambient-ts/spiffe';
import { loadConfig, type BenchConfig } from '../../config.js';
import type { Measurement, SuiteReport, Unit } from '../../report.js';
import { gbitPerSecond, median, quantile } from '../../stats.js';
import type { Suite, SuiteContext } from '../../suite.js';
import { startHelper, type Helper } from './helpers.js';
import { connectEcho, download, parallelUpload, pingPong, upload } from './load.js';
import type { WorkloadPem } from './protocol.js';

interface Path {
  readonly id: string;
  readonly label: string;
  readonly sinkPort: number;
  readonly echoPort: number;
  readonly sourcePort: number;
  /** The proxy processes on this path, whose CPU time is counted. */
  readonly proxies: readonly Helper[];
}

type Samples = Map<string, Map<string, number[]>>; // metric → path → per-repetition values

async function workloadPem(ca: CertificateAuthority, sa: string): Promise<WorkloadPem> {
  const identity = istioIdentity('cluster.local', 'bench', sa);
  const key = await generateWorkloadKey();
  const chain = await ca.sign(await createCsr(identity, key), { identity });
  return {
    identityUri: identity.uri,
    certChainPem: chain.slice(0, -1),
    keyPem: key.privateKeyPem,
    rootsPem: [ca.rootCertPem],
  };
}

async function cpuOf(helpers: readonly Helper[]): Promise<number> {
  const all = await Promise.all(helpers.map((h) => h.cpuMicros()));
  return all.reduce((a, b) => a + b, 0);
}

async function buildPaths(
  ctx: SuiteContext,
  cfg: BenchConfig,
): Promise<{ paths: Path[]; helpers: Helper[] }> {
  ctx.log('starting helper processes');
  const ca = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
  const [clientPem, serverPem] = await Promise.all([
    workloadPem(ca, 'client'),
    workloadPem(ca, 'server'),
  ]);
  const apps = await startHelper('apps', { role: 'apps' }, cfg.profileDir);
  const [sink = 0, echo = 0, source = 0] = apps.ports;
  const relay = await startHelper(
    'relay',
    { role: 'tcp-relay', targets: [sink, echo, source] },
    cfg.profileDir,
  );
  const relayB = await startHelper(
    'relay-b',
    { role: 'tcp-relay', targets: [sink, echo, source] },
    cfg.profileDir,
  );
  const relayA = await startHelper(
    'relay-a',
    { role: 'tcp-relay', targets: relayB.ports },
    cfg.profileDir,
  );
  const hboneIn = await startHelper(
    'hbone-in',
    { role: 'hbone-in', workload: serverPem },
    cfg.profileDir,
  );
  const hboneOut = await startHelper(
    'hbone-out',
    {
      role: 'hbone-out',
      workload: clientPem,
      hboneAddress: `127.0.0.1:${hboneIn.ports[0] ?? 0}`,
      expectedIdentityUri: serverPem.identityUri,
      targets: [sink, echo, source],
    },
    cfg.profileDir,
  );
  const path = (id: string, label: string, ports: number[], proxies: Helper[]): Path => ({
    id,
    label,
    sinkPort: ports[0] ?? 0,
    echoPort: ports[1] ?? 0,
    sourcePort: ports[2] ?? 0,
    proxies,
  });
  return {
    paths: [
      path('direct', 'direct', apps.ports, []),
      path('relay', 'relay', relay.ports, [relay]),
      path('relay2', 'relay×2', relayA.ports, [relayA, relayB]),
      path('hbone', 'hbone', hboneOut.ports, [hboneOut, hboneIn]),
    ],
    helpers: [apps, relay, relayA, relayB, hboneIn, hboneOut],
  };
}

function record(samples: Samples, metric: string, path: string, value: number): void {
  let byPath = samples.get(metric);
  if (!byPath) {
    byPath = new Map<string, number[]>();
    samples.set(metric, byPath);
  }
  let list = byPath.get(path);
  if (!list) {
    list = [];
    byPath.set(path, list);
  }
  list.push(value);
}

async function measure(path: Path, cfg: BenchConfig, samples: Samples): Promise<void> {
  const perGiB = (cpuMicros: number): number => cpuMicros / 1e6 / (cfg.bulkBytes / 1024 ** 3);
  let cpu = await cpuOf(path.proxies);
  const lap = async (): Promise<number> => {
    const now = await cpuOf(path.proxies);
    const used = now - cpu;
    cpu = now;
    return used;
  };

  const ms1 = await upload(path.sinkPort, cfg.bulkBytes);
  record(samples, 'up1', path.id, gbitPerSecond(cfg.bulkBytes, ms1));
  record(samples, 'up1cpu', path.id, perGiB(await lap()));

  const msD = await download(path.sourcePort, cfg.bulkBytes);
  record(samples, 'down1', path.id, gbitPerSecond(cfg.bulkBytes, msD));
  record(samples, 'down1cpu', path.id, perGiB(await lap()));

  const msN = await parallelUpload(path.sinkPort, cfg.bulkBytes, cfg.parallelStreams);
  record(samples, 'upN', path.id, gbitPerSecond(cfg.bulkBytes, msN));
  record(samples, 'upNcpu', path.id, perGiB(await lap()));

  const rtts = await pingPong(path.echoPort, cfg.pingPongs, cfg.pingPongBytes, 100);
  record(samples, 'rttP50', path.id, quantile(rtts, 0.5));
  record(samples, 'rttP99', path.id, quantile(rtts, 0.99));
  record(samples, 'rttCpu', path.id, (await lap()) / cfg.pingPongs);

  const conns = await connectEcho(path.echoPort, cfg.connects, cfg.pingPongBytes);
  record(samples, 'connP50', path.id, quantile(conns, 0.5));
  record(samples, 'connP99', path.id, quantile(conns, 0.99));
}

interface Metric {
  readonly key: string;
  readonly label: (c: BenchConfig) => string;
  readonly unit: Unit;
  /** Only paths with proxies have a value (CPU of proxies). */
  readonly proxiesOnly?: boolean;
}

const mib = (c: BenchConfig): number => c.bulkBytes / 2 ** 20;

const METRICS: readonly Metric[] = [
  { key: 'up1', label: (c) => `upload, 1 stream (${mib(c)} MiB)`, unit: 'Gb/s' },
  { key: 'down1', label: (c) => `download, 1 stream (${mib(c)} MiB)`, unit: 'Gb/s' },
  {
    key: 'upN',
    label: (c) => `upload, ${c.parallelStreams} streams (${mib(c)} MiB total)`,
    unit: 'Gb/s',
  },
  { key: 'rttP50', label: (c) => `request/response ${c.pingPongBytes} B, p50`, unit: 'µs' },
  { key: 'rttP99', label: (c) => `request/response ${c.pingPongBytes} B, p99`, unit: 'µs' },
  { key: 'connP50', label: () => 'new connection + echo, p50', unit: 'µs' },
  { key: 'connP99', label: () => 'new connection + echo, p99', unit: 'µs' },
  {
    key: 'up1cpu',
    label: () => 'proxy CPU, upload 1 stream',
    unit: 'CPU s/GiB',
    proxiesOnly: true,
  },
  {
    key: 'down1cpu',
    label: () => 'proxy CPU, download 1 stream',
    unit: 'CPU s/GiB',
    proxiesOnly: true,
  },
  {
    key: 'upNcpu',
    label: (c) => `proxy CPU, upload ${c.parallelStreams} streams`,
    unit: 'CPU s/GiB',
    proxiesOnly: true,
  },
  {
    key: 'rttCpu',
    label: () => 'proxy CPU per request/response',
    unit: 'CPU µs/op',
    proxiesOnly: true,
  },
];

export const hboneDataPath: Suite = {
  id: 'hbone',
  description: 'HBONE pair vs plain TCP relays vs direct TCP on loopback',
  async run(ctx) {
    const cfg = loadConfig();
    const load0 = loadavg()[0] ?? 0;
    const built = await buildPaths(ctx, cfg);
    const helpers = built.helpers;
    const paths = cfg.paths.length
      ? built.paths.filter((p) => cfg.paths.includes(p.id))
      : built.paths;
    try {
      ctx.log('warming up every path');
      for (const p of paths) {
        await upload(p.sinkPort, 32 * 2 ** 20);
        await download(p.sourcePort, 32 * 2 ** 20);
        await parallelUpload(p.sinkPort, 32 * 2 ** 20, cfg.parallelStreams);
        await pingPong(p.echoPort, 500, cfg.pingPongBytes, 0);
        await connectEcho(p.echoPort, 50, cfg.pingPongBytes);
      }
      const samples: Samples = new Map();
      for (let rep = 1; rep <= cfg.repeat; rep++) {
        for (const p of paths) {
          ctx.log(`repetition ${rep}/${cfg.repeat}: ${p.label}`);
          await measure(p, cfg, samples);
        }
      }
      const measurements: Measurement[] = METRICS.map((m) => ({
        metric: m.label(cfg),
        unit: m.unit,
        values: Object.fromEntries(
          paths
            .filter((p) => !m.proxiesOnly || p.proxies.length > 0)
            .map((p) => [p.id, median(samples.get(m.key)?.get(p.id) ?? [])]),
        ),
      }));
      const report: SuiteReport = {
        title: 'HBONE data path vs plain TCP (loopback, one run)',
        variants: paths.map((p) => ({ id: p.id, label: p.label })),
        subject: 'hbone',
        baselines: ['direct', 'relay', 'relay2'],
        measurements,
        notes: [
          'direct = TCP to the app; relay = one Node `net` proxy piping both ways; relay×2 = two in a row;',
          'hbone = hbone-out (TCP in, pooled HBONE tunnel out) + hbone-in (HBONE server, TCP to the app)',
          `median of ${cfg.repeat} interleaved repetitions; latency from ${cfg.pingPongs} sequential round trips, ` +
            `${cfg.connects} sequential connections`,
          `each box its own process (driver, apps, relays, hbone-out, hbone-in); Node ${process.version}, ` +
            `${cpus().length} CPUs, load average ${load0.toFixed(2)} at start`,
          'proxy CPU = user+system time of the relay/HBONE processes only (hbone: both halves)',
        ],
      };
      return [report];
    } finally {
      for (const h of helpers) h.stop();
    }
  },
};
