// The node agent, wired from its parts: informers for this node's pods and all namespaces,
// enrollment, the ZDS server, the plugin event server, the CNI installer, readiness and
// metrics. Start order matters (reference/reliability.md §2.10): the snapshot of pods already
// enrolled is rebuilt before ztunnel can connect, and the plugin is (re)installed last, so a
// pod's sandbox never meets an agent that cannot serve it.
import { statSync } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubeConfig, type V1Namespace, type V1Pod } from '@kubernetes/client-node';
import { InpodRedirector, nsenterRunner } from '@ambient-ts/inpod-redirection';
import { closeFd, netnsInode, openNetns } from '@ambient-ts/linux-sockets';
import type { AgentConfig } from './config.js';
import { CniInstaller } from './cni-install/installer.js';
import { pluginCredentials } from './cni-install/credentials.js';
import { pluginKubeconfig } from './cni-install/plugin-kubeconfig.js';
import { ambientEnablement, REDIRECTION_ANNOTATION, type EnablementPolicy } from './enablement.js';
import { Enrollment } from './enrollment/enrollment.js';
import { podAction } from './enrollment/pod-action.js';
import { keyOf, uidOf } from './enrollment/pod-facts.js';
import { CniConfigError, NoZtunnelConnectionError, errorMessage } from './errors.js';
import { hostCommandRunner } from './host/host-command.js';
import { HostProbeSnat } from './host/host-probe-snat.js';
import { startInformer, type Informer } from './kube/informer.js';
import { KubeApi } from './kube/kube-api.js';
import type { Log } from './log.js';
import { agentMetrics } from './metrics.js';
import { procNetnsLocator } from './netns/netns-locator.js';
import { buildPluginEntry } from './plugin-conf.js';
import { PLUGIN_EVENT_SOCKET_NAME, type CmdAddEvent } from './plugin-event.js';
import {
  startMetricsServer,
  startReadinessServer,
  type Listening,
} from './server/health-server.js';
import { startPluginEventServer, type PluginEventServer } from './server/plugin-event-server.js';
import { seqpacketListener } from './zds/seqpacket-transport.js';
import { ZdsServer } from './zds/zds-server.js';

const PENDING_RETRY_MS = 5_000;
const INSTALL_RETRY_MS = 2_000;
const PLUGIN_KUBECONFIG_NAME = 'istio-cni-kubeconfig';

export interface RunningAgent {
  /** Stops everything; uninstalls the plugin when the DaemonSet is going away (or when configured to). */
  close(): Promise<void>;
}

export async function startAgent(config: AgentConfig, log: Log): Promise<RunningAgent> {
  const ac = new AbortController();
  const signal = ac.signal;
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  const api = new KubeApi(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const metrics = agentMetrics();

  const readiness = { informers: false, snapshot: false, zds: false, plugin: false };
  const servers: Listening[] = [];
  servers.push(
    await startReadinessServer(config.readinessPort, () => {
      const waitingFor = Object.entries(readiness)
        .filter(([, ok]) => !ok)
        .map(([what]) => what);
      return { ready: waitingFor.length === 0, waitingFor };
    }),
  );
  servers.push(await startMetricsServer(config.monitoringPort, metrics.registry));

  // Host rules are re-created on every start (reference/reliability.md §2.10).
  const hostProbes = config.hostProbeSnat ? new HostProbeSnat(hostCommandRunner(), log) : undefined;
  await hostProbes?.setup();

  const zds = new ZdsServer({ listen: seqpacketListener(config.ztunnelSocket, log), closeFd, log });
  const enrollment = new Enrollment({
    ...(hostProbes ? { hostProbes } : {}),
    redirector: new InpodRedirector({ runner: nsenterRunner(), ipv6: config.ipv6 }),
    zds,
    netns: procNetnsLocator({
      hostProc: config.hostProc,
      hostPrefix: config.hostMountsPath,
      ownNetnsInode: statSync('/proc/self/ns/net').ino,
      ops: { openNetns, netnsInode, closeFd },
      log,
    }),
    annotator: api,
    closeFd,
    log,
    dnsCapture: config.dnsCapture,
    reconcileRulesOnStart: config.reconcileRulesOnStart,
    metrics,
  });
  const policy: EnablementPolicy = {
    selectors: config.enablementSelectors,
    excludeNamespaces: new Set(config.excludeNamespaces),
    systemNamespace: config.podNamespace,
  };

  // Informer events are acted on only once the snapshot is rebuilt (restored = true).
  let restored = false;
  // Set right after the pod informer starts; pod events only read it once restored.
  const nsRef: { informer?: Informer<V1Namespace> } = {};
  const nsLabels = (name: string): Record<string, string> =>
    nsRef.informer?.get(name)?.metadata?.labels ?? {};
  const reconcilePod = (pod: V1Pod): void => {
    if (!restored || !config.ambientEnabled) return;
    const uid = uidOf(pod);
    if (uid === undefined) return;
    const action = podAction(pod, nsLabels(pod.metadata?.namespace ?? ''), policy, {
      known: enrollment.isEnrolled(uid),
      nodeName: config.nodeName,
    });
    const report = (err: unknown): void => {
      if (err instanceof NoZtunnelConnectionError) return; // pending; retried when ztunnel syncs
      log.warn({ pod: keyOf(pod), action, err: errorMessage(err) }, 'pod reconciliation failed');
    };
    if (action === 'add') enrollment.add(pod, { kind: 'running' }).catch(report);
    else if (action === 'remove') enrollment.remove(pod).catch(report);
    else if (action === 'forget') enrollment.forget(pod).catch(report);
  };

  const pods = startInformer<V1Pod>({
    kc,
    path: '/api/v1/pods',
    fieldSelector: `spec.nodeName=${config.nodeName}`,
    list: () => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${config.nodeName}` }),
    handlers: {
      upsert: reconcilePod,
      remove: (pod) => {
        if (restored) enrollment.forget(pod).catch(() => undefined);
      },
    },
    log,
    what: 'pods',
    signal,
  });
  const namespaces = startInformer<V1Namespace>({
    kc,
    path: '/api/v1/namespaces',
    list: () => core.listNamespace(),
    handlers: {
      // A namespace label change re-decides every pod of that namespace on this node.
      upsert: (ns) => {
        for (const pod of pods.list())
          if (pod.metadata?.namespace === ns.metadata?.name) reconcilePod(pod);
      },
      remove: () => undefined,
    },
    log,
    what: 'namespaces',
    signal,
  });
  nsRef.informer = namespaces;
  await Promise.all([pods.synced, namespaces.synced]);
  readiness.informers = true;

  // Restart reconciliation: pods annotated by a previous agent go back into the snapshot.
  for (const pod of pods.list()) {
    if (pod.metadata?.annotations?.[REDIRECTION_ANNOTATION] === undefined) continue;
    if (pod.spec?.nodeName !== config.nodeName) continue;
    const wanted = ambientEnablement(pod, nsLabels(pod.metadata.namespace ?? ''), policy).enabled;
    if (wanted && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
      await enrollment.restore(pod).catch((err: unknown) => {
        log.warn({ pod: keyOf(pod), err: errorMessage(err) }, 'could not restore an enrolled pod');
      });
    }
  }
  restored = true;
  readiness.snapshot = true;
  log.info({ pods: enrollment.enrolledCount }, 'snapshot of enrolled pods rebuilt');

  zds.on('synced', () => {
    metrics.ztunnelConnected(true);
    void enrollment.retryPending();
  });
  zds.on('disconnected', () => {
    metrics.ztunnelConnected(false);
  });
  zds.start();
  readiness.zds = true;
  const retry = setInterval(() => void enrollment.retryPending(), PENDING_RETRY_MS);

  // Running pods: enroll what is selected, take out what no longer is.
  for (const pod of pods.list()) reconcilePod(pod);

  const handleCmdAdd = async (event: CmdAddEvent): Promise<void> => {
    const pod =
      pods.get(event.podName, event.podNamespace) ??
      (await api.getPod(event.podNamespace, event.podName));
    if (!pod) throw new Error(`pod ${event.podNamespace}/${event.podName} not found`);
    const ns = namespaces.get(event.podNamespace) ?? (await api.getNamespace(event.podNamespace));
    if (!ambientEnablement(pod, ns?.metadata?.labels ?? {}, policy).enabled) return;
    await enrollment.add(pod, {
      kind: 'cni',
      netnsPath: event.netns,
      ips: event.ips.map((i) => i.ip),
    });
  };
  const pluginEvents: PluginEventServer = await startPluginEventServer(
    path.join(config.mountedCniAgentRunDir, PLUGIN_EVENT_SOCKET_NAME),
    handleCmdAdd,
    log,
  );

  const installer = new CniInstaller({
    confDir: config.mountedCniNetDir,
    ...(config.cniConfName ? { confName: config.cniConfName } : {}),
    binDir: config.mountedCniBinDir,
    plugin: config.pluginSource,
    entry: buildPluginEntry({
      cniAgentRunDir: config.cniAgentRunDir,
      pluginLogLevel: config.pluginLogLevel,
      ambientEnabled: config.ambientEnabled,
      enablementSelectors: config.enablementSelectors,
      excludeNamespaces: config.excludeNamespaces,
      podNamespace: config.podNamespace,
      kubeconfig: path.join(config.cniAgentRunDir, PLUGIN_KUBECONFIG_NAME),
      cniBinDir: config.cniBinDir,
    }),
    kubeconfig: {
      path: path.join(config.mountedCniAgentRunDir, PLUGIN_KUBECONFIG_NAME),
      content: async () => pluginKubeconfig(await pluginCredentials(kc)),
    },
    log,
  });
  // The node's own network plugin may not have written its config yet: wait for it.
  for (;;) {
    try {
      await installer.install();
      break;
    } catch (err) {
      if (!(err instanceof CniConfigError) || signal.aborted) throw err;
      log.info({ err: err.message }, 'waiting to install the CNI plugin');
      await new Promise((r) => setTimeout(r, INSTALL_RETRY_MS));
    }
  }
  installer.watch(signal, (err) => {
    log.warn({ err: errorMessage(err) }, 'could not keep istio-cni in the CNI configuration');
  });
  // The token in the plugin kubeconfig rotates: rewrite it now and then.
  const refresh = setInterval(() => {
    installer.install().catch((err: unknown) => {
      log.warn({ err: errorMessage(err) }, 'could not refresh the plugin kubeconfig');
    });
  }, 60_000);
  readiness.plugin = true;
  log.info({ node: config.nodeName, conf: installer.confFile }, 'istio-cni node agent ready');

  return {
    async close() {
      clearInterval(retry);
      clearInterval(refresh);
      let uninstall = config.uninstallOnExit;
      if (!uninstall) {
        uninstall = await api
          .daemonSetBeingRemoved(config.podNamespace, config.daemonSetName)
          .catch((err: unknown) => {
            log.warn(
              { err: errorMessage(err) },
              'cannot tell whether istio-cni is being uninstalled; leaving the plugin in place',
            );
            return false;
          });
      }
      ac.abort();
      if (uninstall) {
        await installer.uninstall();
        await hostProbes?.teardown();
        log.info({}, 'istio-cni uninstalled from this node');
      } else {
        log.info({}, 'leaving the CNI plugin in place: new ambient pods wait for the next agent');
      }
      await pluginEvents.close();
      await enrollment.idle();
      zds.close();
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
