#!/usr/bin/env node
// netns-kubelet: the composition root. Runs inside a node's network namespace: registers the
// Node, keeps its Lease and routes, runs the Pods bound to it through the pod runtime, and
// serves container logs on :10250. Flags: see config.ts (or run with --help).
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import { startInformer } from '@ambient-ts/kube-informer';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { cniRunner } from './cni-runner.js';
import { findTools, runCommand } from './commands.js';
import { configUsage, parseConfig, type KubeletConfig } from './config.js';
import { processLauncher } from './container-launcher.js';
import { ConfigError, errorMessage } from './errors.js';
import { imageTableFile } from './image-source.js';
import { KubePodApi } from './kube-api.js';
import { startKubeletServer, type ServerTls } from './log-server.js';
import { netnsManager, releaseNetnsDir } from './netns.js';
import { NodeAgent } from './node-agent.js';
import { ensureCniConf } from './node-network.js';
import { PodManager } from './pod-manager.js';
import { prober } from './prober.js';
import type { RuntimeDeps } from './runtime-deps.js';
import { selfSignedCert } from './serving-cert.js';
import { readFile } from 'node:fs/promises';

async function loadTls(config: KubeletConfig): Promise<ServerTls> {
  if (config.tls) {
    const ca = config.tls.clientCaFile ? await readFile(config.tls.clientCaFile) : undefined;
    return {
      cert: await readFile(config.tls.certFile),
      key: await readFile(config.tls.keyFile),
      ...(ca ? { ca } : {}),
    };
  }
  return selfSignedCert(config.stateDir, config.nodeName, config.nodeIP, runCommand);
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(configUsage);
    return;
  }
  const config = parseConfig(process.argv.slice(2));
  const log = pino({ level: config.logLevel, base: { node: config.nodeName } });
  const shutdown = new AbortController();
  const signal = shutdown.signal;
  const tools = findTools(config.envPath);

  const kc = new KubeConfig();
  kc.loadFromFile(config.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);

  const fs = await statfs(config.stateDir).catch(() => undefined);
  const storageKi = fs ? Math.floor((fs.bavail * fs.bsize) / 1024) : 100 * 1024 * 1024;
  const resources = {
    cpu: String(os.availableParallelism()),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    ephemeralStorage: `${storageKi}Ki`,
  };

  const nodeAgent = new NodeAgent({
    kc,
    nodeName: config.nodeName,
    nodeIP: config.nodeIP,
    port: config.port,
    capacity: { ...resources, pods: '110' },
    run: runCommand,
    tools,
    log,
  });
  await nodeAgent.register(signal);
  void nodeAgent.heartbeat(signal);
  const podCidrs = await nodeAgent.waitForPodCidrs(signal);
  if (signal.aborted) return;
  const conf = await ensureCniConf(config.cniConfDir, podCidrs, config.nodeRoot, 10_000);
  log.info({ podCidrs, cniConf: conf.file, written: conf.written }, 'node network ready');
  nodeAgent.watchRoutes(podCidrs, signal);

  const api = new KubePodApi(kc, config.nodeName, log);
  const deps: RuntimeDeps = {
    config: {
      nodeName: config.nodeName,
      nodeIP: config.nodeIP,
      stateDir: config.stateDir,
      nodeRoot: config.nodeRoot,
      clusterDns: config.clusterDns,
      clusterDomain: config.clusterDomain,
      backoff: { initialMs: config.backoffInitialMs, maxMs: config.backoffMaxMs },
      node: resources,
      volumeSyncMs: 30_000,
    },
    api,
    reporter: api,
    images: imageTableFile(config.imageTable, {
      kubeBinaries: config.kubeBinaries,
      node: process.execPath,
    }),
    netns: await netnsManager(config.stateDir, tools, runCommand),
    cni: cniRunner({ confDir: config.cniConfDir, binDirs: config.cniBinDirs, run: runCommand }),
    launcher: processLauncher,
    prober: prober(runCommand, tools.nsenter, 'kube-probe/netns-kubelet'),
    tools,
    run: runCommand,
    log,
  };
  const manager = new PodManager(deps, api);
  const cleaned = await manager.cleanupStale();
  if (cleaned > 0) log.info({ cleaned }, 'cleaned pods left by a previous run');

  startInformer<V1Pod>({
    kc,
    path: '/api/v1/pods',
    list: () => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${config.nodeName}` }),
    fieldSelector: `spec.nodeName=${config.nodeName}`,
    handlers: {
      upsert: (pod) => {
        manager.sync(pod);
      },
      remove: (pod) => {
        manager.remove(pod);
      },
    },
    log,
    what: 'pods',
    rbacHint: "grant the kubelet's identity list and watch on pods (RBAC)",
    signal,
  });

  const server = await startKubeletServer(manager, config.port, '0.0.0.0', await loadTls(config));
  log.info({ port: server.port }, 'kubelet API listening');

  const stop = async (sig: string): Promise<void> => {
    if (signal.aborted) return;
    log.info({ signal: sig }, 'shutting down: stopping pods');
    shutdown.abort();
    await manager.stopAll(5);
    await server.close();
    await releaseNetnsDir(config.stateDir, tools, runCommand);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(`netns-kubelet: ${errorMessage(err)}`);
  process.exit(1);
});
