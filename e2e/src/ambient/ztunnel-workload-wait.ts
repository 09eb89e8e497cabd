// Waiting for every ztunnel to know a set of pods under a protocol: HBONE once they are
// enrolled (istiod sees the redirection annotation), TCP once they have left. istiod pushes
// to every ztunnel, so each one's /config_dump is checked.
import { pollUntil } from '@ambient-ts/local-cluster';
import type { ClusterDriver } from '../drivers/cluster-driver.js';
import { podsWithoutProtocol } from './config-dump.js';
import { ztunnelPods, ztunnelWorkloads } from './ztunnel-admin.js';

export async function waitProtocolInEveryZtunnel(
  driver: ClusterDriver,
  namespace: string,
  pods: readonly string[],
  protocol: 'HBONE' | 'TCP',
  timeoutMs = 90_000,
): Promise<void> {
  await pollUntil(
    `every ztunnel's config_dump listing the ${pods.length} pods of ${namespace} with protocol ${protocol}`,
    timeoutMs,
    async () => {
      const zs = await ztunnelPods(driver);
      const problems: string[] = zs.length === 0 ? ['no running ztunnel pod'] : [];
      for (const z of zs) {
        const off = podsWithoutProtocol(
          await ztunnelWorkloads(driver, z.name),
          namespace,
          pods,
          protocol,
        );
        problems.push(...off.map((o) => `${z.name}: ${o}`));
      }
      return { done: problems.length === 0, detail: problems.join('; ') };
    },
    { intervalMs: 2000 },
  );
}
