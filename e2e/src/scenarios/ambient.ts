// The headline scenario (issue 7), driver-agnostic: install the mesh from deploy/, put
// upstream bookinfo (unchanged) in ambient mode by labeling its namespace, and prove what
// ambient promises — redirection without restarts, HBONE workloads in ztunnel's config,
// mTLS identities in ztunnel's access log on both sides and in its counters, the seeds' L4
// AuthorizationPolicy, ztunnel and istio-cni restarts under traffic, and leaving the mesh.
// Each step is one test; a step whose prerequisite failed is skipped and says so.
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { expect, it, type TestContext } from 'vitest';
import { errorText, formatDuration, pollUntil, type Progress } from '@ambient-ts/local-cluster';
import type { ClusterDriver } from '../drivers/cluster-driver.js';
import type { Timings } from '../timings.js';
import { hostOf } from '../ambient/access-log.js';
import { deleteAuthorizationPolicy } from '../ambient/authorization-policy.js';
import {
  ALLOWED_CLIENT_APP,
  AMBIENT_POD_COUNT,
  CURL_APP,
  callProductpage,
  callProductpageRepeatedly,
  deployBookinfoAndClients,
  listPods,
  outcomeOf,
  podFacts,
  podOf,
  setDataplaneMode,
  setNamespaceLabel,
  snapshotPods,
  stableView,
  waitRedirection,
  type PodSnapshot,
} from '../ambient/bookinfo-ambient.js';
import { BOOKINFO_EDGES, checkEdge, spiffeId } from '../ambient/identity-edges.js';
import { allZtunnelSamples, collectEdgeReports, edgeCounts } from '../ambient/identity-proof.js';
import { formatEdgeReports } from '../ambient/identity-report.js';
import {
  installMesh,
  restartDaemonSet,
  waitDaemonSetRolledOut,
  waitMeshReady,
} from '../ambient/mesh-install.js';
import { ISTIO_CNI, ZTUNNEL } from '../ambient/mesh-names.js';
import { istioChains, istioIpRules } from '../ambient/pod-rules.js';
import {
  ALLOWED_SERVICE_ACCOUNT,
  PRODUCTPAGE_VIEWER_NAME,
  productpageViewerPolicy,
} from '../ambient/productpage-viewer.js';
import { summarizeTraffic, TrafficLoop } from '../ambient/traffic-loop.js';
import {
  conditionTrue,
  deleteWaypointObjects,
  gatewayConditions,
  httpGetFrom,
  ratingsRoute,
  RATINGS_ROUTE,
  reviewsPolicy,
  ROUTE_HEADER,
  serviceConditions,
  waypointDeploymentExists,
  waypointPods,
  waypointRequestCount,
  WAYPOINT_NAME,
} from '../ambient/waypoint.js';
import { waitProtocolInEveryZtunnel } from '../ambient/ztunnel-workload-wait.js';
import { istioctl } from '../ambient/istioctl.js';
import { ztunnelConnectionLines, ztunnelPods } from '../ambient/ztunnel-admin.js';

export const AMBIENT_NAMESPACE = 'bookinfo-ambient';
/** Why the scenario is skipped: only when asked to (it runs by default). */
export const AMBIENT_NOT_OPTED_IN = 'AMBIENT_E2E=0 is set (unset it to run the ambient scenario)';
const POLICY_REJECTION = 'policy rejection';

export interface AmbientScenarioContext {
  driver(): ClusterDriver;
  readonly timings: Timings;
  readonly progress: Progress;
  /** Runs before the namespace is deleted: keep logs of a failed step while the pods exist. */
  beforeCleanup?(): Promise<void>;
}

type Milestone = 'mesh' | 'bookinfo' | 'enrolled';

function missingEdge(): never {
  throw new Error('BOOKINFO_EDGES is empty');
}

/** Registers the scenario's steps as tests in the current describe block (they run in order). */
export function ambientScenario(ctx: AmbientScenarioContext, namespace = AMBIENT_NAMESPACE): void {
  const reached = new Set<Milestone>();
  /** The pods as enrolled: names, uids, IPs, nodes (what later steps compare against). */
  let enrolled: PodSnapshot[] = [];

  function step(
    name: string,
    needs: readonly Milestone[],
    timeoutMs: number,
    fn: () => Promise<void>,
  ): void {
    it(
      name,
      async (t: TestContext) => {
        const missing = needs.filter((m) => !reached.has(m));
        if (missing.length > 0)
          t.skip(`not run: an earlier step did not reach ${missing.join(', ')}`);
        const started = Date.now();
        await fn();
        ctx.timings[`ambient: ${name.slice(0, 40)}`] = Date.now() - started;
      },
      timeoutMs,
    );
  }

  const d = (): ClusterDriver => ctx.driver();
  const curlPod = (): string => podOf(enrolled, CURL_APP).name;
  const allowedPod = (): string => podOf(enrolled, ALLOWED_CLIENT_APP).name;

  async function expectRulesIn(pods: readonly PodSnapshot[], present: boolean): Promise<void> {
    for (const p of pods) {
      const ipt = await d().execInPodNetns({ namespace, pod: p.name }, ['iptables-save']);
      expect(ipt.exitCode, `iptables-save in ${p.name}: ${ipt.stderr}`).toBe(0);
      const rules = await d().execInPodNetns({ namespace, pod: p.name }, ['ip', 'rule', 'show']);
      expect(rules.exitCode, `ip rule in ${p.name}: ${rules.stderr}`).toBe(0);
      if (present) {
        expect(istioChains(ipt.stdout), `ISTIO chains in ${p.name}`).toEqual(
          expect.arrayContaining(['ISTIO_OUTPUT', 'ISTIO_PRERT']),
        );
        expect(istioIpRules(rules.stdout), `fwmark rule in ${p.name}`).toHaveLength(1);
      } else {
        expect(istioChains(ipt.stdout), `ISTIO chains left in ${p.name}`).toEqual([]);
        expect(istioIpRules(rules.stdout), `fwmark rule left in ${p.name}`).toEqual([]);
      }
    }
  }

  const waitProtocol = (protocol: 'HBONE' | 'TCP'): Promise<void> =>
    waitProtocolInEveryZtunnel(
      d(),
      namespace,
      enrolled.map((p) => p.name),
      protocol,
    );

  step(
    'installs the mesh from deploy/ into istio-system; istiod, istio-cni and ztunnel become Ready on every node',
    [],
    10 * 60_000,
    async () => {
      await installMesh(d(), ctx.progress);
      await waitMeshReady(d(), ctx.progress, 8 * 60_000);
      const nodes = (await d().kubeConfig().makeApiClient(CoreV1Api).listNode()).items.map(
        (n) => n.metadata?.name ?? '',
      );
      const ztunnelNodes = (await ztunnelPods(d())).map((z) => z.node);
      expect(ztunnelNodes.sort(), 'one ztunnel on every node').toEqual(nodes.sort());
      reached.add('mesh');
    },
  );

  step(
    'deploys bookinfo unchanged and the clients; labeling the namespace ambient annotates every pod redirection=enabled without restarting any or adding containers',
    ['mesh'],
    8 * 60_000,
    async () => {
      const before = snapshotPods(await deployBookinfoAndClients(d(), namespace, ctx.progress));
      expect(before).toHaveLength(AMBIENT_POD_COUNT);
      expect(
        before.filter((p) => p.redirection !== undefined),
        'annotated before the label',
      ).toEqual([]);
      reached.add('bookinfo');
      const labeled = Date.now();
      await setDataplaneMode(d(), namespace, 'ambient');
      const after = await waitRedirection(d(), namespace, 'enabled');
      ctx.progress(
        `all ${after.length} pods enrolled ${formatDuration(Date.now() - labeled)} after the label`,
      );
      expect(stableView(after)).toEqual(stableView(before));
      enrolled = after;
      reached.add('enrolled');
    },
  );

  step(
    "every pod's netns holds the in-pod rules and every ztunnel's config_dump lists the pods with protocol HBONE",
    ['enrolled'],
    3 * 60_000,
    async () => {
      await expectRulesIn(enrolled, true);
      await waitProtocol('HBONE');
    },
  );

  step(
    'serves productpage to the curl client over repeated calls, reviews v2/v3 included',
    ['enrolled'],
    5 * 60_000,
    async () => {
      const r = await callProductpageRepeatedly(d(), namespace, curlPod(), 10, 60);
      ctx.progress(`${r.calls} calls, reviews versions seen: ${[...r.versions].sort().join(', ')}`);
      expect(r.failures).toEqual([]);
      expect(
        [...r.versions].some((v) => v === 'v2' || v === 'v3'),
        'a reviews version that calls ratings',
      ).toBe(true);
    },
  );

  step(
    'ztunnel logs connection complete for productpage→details, productpage→reviews and reviews→ratings with exactly the bookinfo SPIFFE identities, on the source and the destination node',
    ['enrolled'],
    3 * 60_000,
    async () => {
      const reports = await collectEdgeReports(d(), namespace, enrolled, 90_000);
      console.log(
        `[e2e ${d().kind}] identities in the ztunnel access logs\n${formatEdgeReports(reports)}`,
      );
      expect(reports.flatMap((r) => r.problems)).toEqual([]);
    },
  );

  step(
    'istio_tcp_connections_opened_total counts those connections over mutual TLS on both reporters',
    ['enrolled'],
    2 * 60_000,
    async () => {
      // Lines first, counters second: a connection is counted when it opens and logged
      // when it closes, so each side's counter is at least its number of lines.
      const reports = await collectEdgeReports(d(), namespace, enrolled, 60_000);
      const counts = edgeCounts(reports, await allZtunnelSamples(d()));
      console.log(`[e2e ${d().kind}] ${JSON.stringify(counts)}`);
      for (const c of counts) {
        expect(c.lines, `${c.edge} ${c.reporter}: access-log lines`).toBeGreaterThan(0);
        expect(c.opened, `${c.edge} ${c.reporter}: opened ≥ lines`).toBeGreaterThanOrEqual(c.lines);
      }
    },
  );

  step(
    `the seeds' L4 policy ${PRODUCTPAGE_VIEWER_NAME} blocks the curl client, allows ${ALLOWED_SERVICE_ACCOUNT}, and deleting it restores access`,
    ['enrolled'],
    4 * 60_000,
    async () => {
      expect(
        outcomeOf(await callProductpage(d(), namespace, allowedPod())).ok,
        'allowed client before the policy',
      ).toBe(true);
      await d().applyManifests(productpageViewerPolicy(namespace));
      try {
        await pollUntil(
          'the curl client being refused by productpage-viewer',
          90_000,
          async () => {
            const o = outcomeOf(await callProductpage(d(), namespace, curlPod(), 5));
            return { done: !o.ok, detail: o.detail };
          },
          { intervalMs: 1000 },
        );
        for (let i = 0; i < 3; i++) {
          const denied = outcomeOf(await callProductpage(d(), namespace, curlPod(), 5));
          expect(denied.ok, `curl client call ${i + 1} under the policy: ${denied.detail}`).toBe(
            false,
          );
          const allowed = outcomeOf(await callProductpage(d(), namespace, allowedPod()));
          expect(allowed.ok, `${ALLOWED_SERVICE_ACCOUNT} call ${i + 1}: ${allowed.detail}`).toBe(
            true,
          );
        }
        // The destination's ztunnel says why: an inbound line from curl's identity, rejected.
        const curlIps = new Set(podOf(enrolled, CURL_APP).ips);
        const productpageIps = new Set(podOf(enrolled, 'productpage').ips);
        const rejected = (await ztunnelConnectionLines(d())).filter(
          (l) =>
            l.direction === 'inbound' &&
            curlIps.has(hostOf(l.srcAddr)) &&
            productpageIps.has(hostOf(l.dstAddr)) &&
            (l.error ?? '').includes(POLICY_REJECTION),
        );
        expect(rejected.length, 'inbound lines rejecting curl by policy').toBeGreaterThan(0);
        expect(rejected[0]?.srcIdentity).toBe(spiffeId(namespace, 'curl'));
        console.log(`[e2e ${d().kind}] policy rejection logged: ${rejected[0]?.raw ?? ''}`);
      } finally {
        await deleteAuthorizationPolicy(d(), namespace, PRODUCTPAGE_VIEWER_NAME);
      }
      await pollUntil(
        'the curl client served again after deleting productpage-viewer',
        90_000,
        async () => {
          const o = outcomeOf(await callProductpage(d(), namespace, curlPod()));
          return { done: o.ok, detail: o.detail };
        },
        { intervalMs: 1000 },
      );
    },
  );

  step(
    'a waypoint: the Gateway becomes Programmed with its Deployment running our waypoint; with the namespace enrolled, every bookinfo call goes through it, it enforces an L7 policy and runs an HTTPRoute; removing it restores direct HBONE',
    ['enrolled'],
    6 * 60_000,
    async () => {
      const started = Date.now();
      // What the seeds tell users to run: istioctl applies the Gateway, waits for
      // Programmed and enrolls the namespace.
      const applied = await istioctl(d(), [
        'waypoint',
        'apply',
        '-n',
        namespace,
        '--enroll-namespace',
        '--wait',
      ]);
      console.log(`[e2e ${d().kind}] istioctl waypoint apply:\n${applied.stdout}${applied.stderr}`);
      try {
        expect(applied.exitCode, applied.stderr).toBe(0);
        expect(applied.stdout).toContain(`✅ waypoint ${namespace}/${WAYPOINT_NAME} applied`);
        expect(applied.stdout).toContain(`✅ waypoint ${namespace}/${WAYPOINT_NAME} is ready!`);
        expect(applied.stdout).toContain(
          `✅ namespace ${namespace} labeled with "istio.io/use-waypoint: ${WAYPOINT_NAME}"`,
        );
        expect(conditionTrue(await gatewayConditions(d(), namespace), 'Programmed')).toBe(true);
        await d().waitForDeploymentAvailable(namespace, WAYPOINT_NAME, 120_000);
        const [waypointPod = ''] = await waypointPods(d(), namespace);
        expect(waypointPod, 'a running waypoint pod').not.toBe('');
        console.log(
          `[e2e ${d().kind}] waypoint ${waypointPod} Ready ${formatDuration(Date.now() - started)} after istioctl waypoint apply`,
        );
        const listed = await istioctl(d(), ['waypoint', 'list', '-n', namespace]);
        console.log(`[e2e ${d().kind}] istioctl waypoint list:\n${listed.stdout}`);
        expect(listed.stdout).toMatch(
          new RegExp(`^${WAYPOINT_NAME}\\s+default\\s+\\S+\\s+True\\s*$`, 'm'),
        );
        // The waypoint is a proxy of the mesh now: istiod sees it synced.
        const status = await istioctl(d(), ['proxy-status']);
        console.log(`[e2e ${d().kind}] istioctl proxy-status:\n${status.stdout}${status.stderr}`);
        expect(status.exitCode, status.stderr).toBe(0);
        expect(status.stdout).toMatch(
          new RegExp(`^${waypointPod}\\.${namespace}\\s.*1\\.30\\.0`, 'm'),
        );
        const version = await istioctl(d(), ['version']);
        console.log(`[e2e ${d().kind}] istioctl version:\n${version.stdout}`);
        expect(version.stdout).toMatch(/^data plane version: 1\.30\.0 \(\d+ proxies\)$/m);

        await pollUntil(
          'reviews bound to the waypoint (istio.io/WaypointBound)',
          60_000,
          async () => ({
            done: conditionTrue(
              await serviceConditions(d(), namespace, 'reviews'),
              'istio.io/WaypointBound',
            ),
          }),
        );
        await d().applyManifests(
          `${reviewsPolicy(namespace)}\n---\n${ratingsRoute(namespace)}`,
          namespace,
        );
        await pollUntil(
          'the L7 policy denying curl → reviews at the waypoint',
          90_000,
          async () => {
            const r = await httpGetFrom(d(), namespace, curlPod(), 'http://reviews:9080/reviews/0');
            return {
              done: r.status === 403,
              detail: r.error ?? `HTTP ${r.status ?? '?'} ${r.body.slice(0, 80)}`,
            };
          },
        );
        const denied = await httpGetFrom(
          d(),
          namespace,
          curlPod(),
          'http://reviews:9080/reviews/0',
        );
        expect(denied.body, "the waypoint's RBAC reply").toBe('RBAC: access denied');
        await pollUntil('the HTTPRoute on ratings applied by the waypoint', 60_000, async () => {
          const r = await httpGetFrom(d(), namespace, curlPod(), 'http://ratings:9080/ratings/0');
          return {
            done:
              r.status === 200 &&
              r.headers.toLowerCase().includes(`${ROUTE_HEADER}: ${RATINGS_ROUTE}`),
            detail: r.error ?? r.headers,
          };
        });
        const calls = await callProductpageRepeatedly(d(), namespace, curlPod());
        expect(calls.failures, 'productpage through the waypoint').toEqual([]);

        const viaWaypoint = await waypointRequestCount(d(), namespace, waypointPod, {
          reporter: 'waypoint',
          source_principal: `cluster.local/ns/${namespace}/sa/bookinfo-productpage`,
          destination_service: `reviews.${namespace}.svc.cluster.local`,
          response_code: '200',
        });
        const deniedCount = await waypointRequestCount(d(), namespace, waypointPod, {
          source_principal: `cluster.local/ns/${namespace}/sa/curl`,
          destination_service: `reviews.${namespace}.svc.cluster.local`,
          response_code: '403',
          response_flags: 'RBAC',
        });
        console.log(
          `[e2e ${d().kind}] waypoint istio_requests_total: productpage→reviews 200 = ${viaWaypoint}, curl→reviews 403 = ${deniedCount}`,
        );
        expect(viaWaypoint).toBeGreaterThan(0);
        expect(deniedCount).toBeGreaterThan(0);
        // The destination ztunnels see the waypoint's identity connecting to reviews.
        // ztunnel logs a connection when it closes, and the waypoint keeps its
        // upstream connections alive for a few idle seconds: wait for them.
        const waypointIdentity = spiffeId(namespace, WAYPOINT_NAME);
        const inbound =
          (await pollUntil(
            'a destination ztunnel logging the waypoint → reviews connection',
            60_000,
            async () => {
              const lines = (await ztunnelConnectionLines(d())).filter(
                (l) =>
                  l.direction === 'inbound' &&
                  l.srcIdentity === waypointIdentity &&
                  l.dstIdentity === spiffeId(namespace, 'bookinfo-reviews'),
              );
              return { done: lines.length > 0, value: lines };
            },
            { intervalMs: 1000 },
          )) ?? [];
        console.log(
          `[e2e ${d().kind}] waypoint → reviews at the destination ztunnel: ${inbound[0]?.raw ?? ''}`,
        );
      } finally {
        const deleted = await istioctl(d(), ['waypoint', 'delete', '-n', namespace, WAYPOINT_NAME]);
        console.log(`[e2e ${d().kind}] istioctl waypoint delete: ${deleted.stdout.trim()}`);
        await deleteWaypointObjects(d(), namespace);
        await setNamespaceLabel(d(), namespace, 'istio.io/use-waypoint', null);
      }
      await pollUntil(
        'the waypoint Deployment garbage-collected with its Gateway',
        90_000,
        async () => ({
          done: !(await waypointDeploymentExists(d(), namespace)),
        }),
      );
      await pollUntil('curl → reviews allowed again without the waypoint', 90_000, async () => {
        const r = await httpGetFrom(d(), namespace, curlPod(), 'http://reviews:9080/reviews/0');
        return { done: r.status === 200, detail: r.error ?? `HTTP ${r.status ?? '?'}` };
      });
    },
  );

  for (const component of [
    { label: 'ztunnel', ds: ZTUNNEL.daemonSet, selector: ZTUNNEL.selector },
    { label: 'the istio-cni agent', ds: ISTIO_CNI.daemonSet, selector: ISTIO_CNI.selector },
  ]) {
    step(
      `restarting ${component.label} under continuous traffic: no failed request once it is Ready again, and every pod stays enrolled`,
      ['enrolled'],
      8 * 60_000,
      async () => {
        const before = new Set((await ztunnelPods(d())).map((z) => z.name));
        const loop = new TrafficLoop(async () =>
          outcomeOf(await callProductpage(d(), namespace, curlPod(), 5)),
        );
        loop.start();
        let readyAt = Number.POSITIVE_INFINITY;
        let rollout: Error | undefined;
        try {
          await sleep(3000);
          await restartDaemonSet(d(), component.ds);
          // Let the controller see the new template before "rolled out" can be true.
          await sleep(2000);
          await waitDaemonSetRolledOut(d(), component.ds, component.selector, 5 * 60_000);
          readyAt = Date.now();
          await sleep(15_000);
        } catch (err) {
          rollout = err instanceof Error ? err : new Error(errorText(err));
        } finally {
          await loop.stop();
        }
        const s = summarizeTraffic(loop.records, readyAt);
        ctx.progress(
          `${component.label} restart: ${s.total} calls, ${s.failedBeforeReady} failed before it was Ready again, ${s.okAfterReady} ok and ${s.failedAfterReady.length} failed after`,
        );
        if (rollout) throw rollout;
        expect(s.failedAfterReady.map((r) => r.detail)).toEqual([]);
        expect(s.okAfterReady).toBeGreaterThan(5);
        const now = await waitRedirection(d(), namespace, 'enabled', 30_000);
        expect(stableView(now)).toEqual(stableView(enrolled));
        await expectRulesIn(enrolled, true);
        await waitProtocol('HBONE');
        if (component.ds === ZTUNNEL.daemonSet) {
          // The calls after Ready went through the new ztunnels, with the same identities.
          const fresh = (await ztunnelConnectionLines(d())).filter(
            (l) => !before.has(l.ztunnelPod),
          );
          const report = checkEdge(
            BOOKINFO_EDGES[0] ?? missingEdge(),
            namespace,
            podFacts(enrolled),
            fresh,
          );
          expect(report.problems).toEqual([]);
        }
      },
    );
  }

  step(
    'removing the label takes the pods out: annotation and in-pod rules gone, config_dump says TCP, traffic works in plaintext without ztunnel',
    ['enrolled'],
    5 * 60_000,
    async () => {
      await setDataplaneMode(d(), namespace, undefined);
      const out = await waitRedirection(d(), namespace, undefined);
      expect(stableView(out)).toEqual(stableView(enrolled));
      await expectRulesIn(enrolled, false);
      await waitProtocol('TCP');
      const ips = new Set(enrolled.flatMap((p) => p.ips));
      const mine = async (): Promise<number> =>
        (await ztunnelConnectionLines(d())).filter(
          (l) => ips.has(hostOf(l.srcAddr)) || ips.has(hostOf(l.dstAddr)),
        ).length;
      // Connections open at unlabel time may still be logged as they close; then it is quiet.
      await sleep(6000);
      const linesBefore = await mine();
      const r = await callProductpageRepeatedly(d(), namespace, curlPod(), 5, 30);
      expect(r.failures).toEqual([]);
      await sleep(6000);
      expect(await mine(), 'access-log lines for the namespace after it left the mesh').toBe(
        linesBefore,
      );
      const pods = snapshotPods(await listPods(d(), namespace));
      expect(pods.every((p) => p.redirection === undefined)).toBe(true);
    },
  );

  it(
    'deletes the bookinfo namespace',
    async () => {
      await ctx.beforeCleanup?.();
      await d().deleteNamespace(namespace, 3 * 60_000);
    },
    4 * 60_000,
  );
}
