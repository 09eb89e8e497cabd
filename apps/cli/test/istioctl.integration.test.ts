// istioctl against a real kube-apiserver (tools/local-cluster's bare
// control plane: etcd, apiserver, controllers, no kubelets) with the Gateway
// API CRDs we ship: the wording of real API errors (the missing-CRD 404),
// server-side apply ownership, TLS with the cluster CA, status polling, and
// the namespace update. The test plays istiod by writing Gateway status.
// Needs Linux and root; elsewhere it says why it did not run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster,
  destroyCluster,
  localClusterUnsupportedReason,
  type LocalCluster,
} from '@ambient-ts/local-cluster';
import { captureOutput } from '../src/cli/output.js';
import { runIstioctl, systemClock } from '../src/istioctl.js';
import { clientBuildInfo } from '../src/version/build-info.js';
import { installGatewayCrds, kubeRequest, until } from './support/kube.js';

const unsupported = await localClusterUnsupportedReason();
if (unsupported)
  console.warn(`[cli] integration test against a real API server NOT RUN: ${unsupported}`);

const NAME = `istioctl-it-${process.pid}`;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe.skipIf(unsupported !== undefined)(
  'istioctl against a real API server (root, Linux)',
  () => {
    let cluster: LocalCluster;
    let beforeCrds: Result;

    const istioctl = async (args: string): Promise<Result> => {
      const out = captureOutput();
      const code = await runIstioctl(args.split(' '), {
        environment: {
          kubeconfigPaths: [cluster.kubeconfigPath],
          homeKubeconfig: undefined,
          inCluster: false,
          istioNamespace: 'istio-system',
        },
        out,
        clock: systemClock,
        buildInfo: clientBuildInfo(process.version),
      });
      return { code, stdout: out.stdout(), stderr: out.stderr() };
    };
    const request = (method: string, path: string, body?: unknown, contentType?: string) =>
      kubeRequest(cluster.kubeConfig(), method, path, body, contentType);

    beforeAll(async () => {
      cluster = await createCluster({
        name: NAME,
        nodes: 0,
        startKubelets: false,
        ownerPid: process.pid,
        progress: () => undefined,
      });
      await request('POST', '/api/v1/namespaces', {
        metadata: { name: 'bookinfo', labels: { 'istio.io/dataplane-mode': 'ambient' } },
      });
      beforeCrds = await istioctl('waypoint apply -n bookinfo');
      await installGatewayCrds(cluster.kubeConfig());
    }, 120_000);

    afterAll(async () => {
      if (cluster) await destroyCluster(NAME, () => undefined);
    }, 60_000);

    it('says the Gateway CRDs are missing in client-go’s words for the real 404', () => {
      expect(beforeCrds).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'Error: missing Kubernetes Gateway CRDs need to be installed before applying a waypoint: ' +
          'the server could not find the requested resource (patch gateways.gateway.networking.k8s.io waypoint)\n',
      });
    });

    it('applies as field manager istioctl and enrolls the namespace', async () => {
      const r = await istioctl('waypoint apply -n bookinfo --enroll-namespace');
      expect(r).toEqual({
        code: 0,
        stderr: '',
        stdout:
          '✅ waypoint bookinfo/waypoint applied\n✅ namespace bookinfo labeled with "istio.io/use-waypoint: waypoint"\n',
      });
      const gw = (await request(
        'GET',
        '/apis/gateway.networking.k8s.io/v1/namespaces/bookinfo/gateways/waypoint',
      )) as {
        metadata: { managedFields: { manager: string; operation: string }[] };
        spec: {
          gatewayClassName: string;
          listeners: { name: string; port: number; protocol: string }[];
        };
      };
      expect(gw.metadata.managedFields.map((f) => [f.manager, f.operation])).toContainEqual([
        'istioctl',
        'Apply',
      ]);
      expect(gw.spec.gatewayClassName).toBe('istio-waypoint');
      expect(
        gw.spec.listeners.map(({ name, port, protocol }) => ({ name, port, protocol })),
      ).toEqual([{ name: 'mesh', port: 15008, protocol: 'HBONE' }]);
      const ns = (await request('GET', '/api/v1/namespaces/bookinfo')) as {
        metadata: { labels: Record<string, string> };
      };
      expect(ns.metadata.labels).toMatchObject({
        'istio.io/use-waypoint': 'waypoint',
        'istio.io/dataplane-mode': 'ambient',
      });
      // A second enroll without --overwrite only warns.
      expect((await istioctl('waypoint apply -n bookinfo --enroll-namespace')).stdout).toMatch(
        /^⚠️ Warning: namespace \(bookinfo\) already has an enrolled Waypoint/,
      );
    });

    it('lists, waits for and shows the status istiod writes', async () => {
      expect((await istioctl('waypoint list -n bookinfo')).stdout).toBe(
        'NAME         REVISION     TRAFFIC TYPE     PROGRAMMED\nwaypoint     default      none             False\n',
      );
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const condition = (type: string, reason: string, message: string) => ({
        type,
        status: 'True',
        reason,
        message,
        lastTransitionTime: now,
        observedGeneration: 1,
      });
      await request(
        'PATCH',
        '/apis/gateway.networking.k8s.io/v1/namespaces/bookinfo/gateways/waypoint/status',
        {
          status: {
            conditions: [
              condition('Accepted', 'Accepted', 'Resource accepted'),
              condition(
                'Programmed',
                'Programmed',
                'Resource programmed, assigned to service(s) waypoint.bookinfo.svc.cluster.local:15008',
              ),
            ],
          },
        },
        'application/merge-patch+json',
      );
      await until('Programmed visible', async () =>
        (await istioctl('waypoint list -A')).stdout.includes('True'),
      );
      expect((await istioctl('waypoint apply -n bookinfo --wait')).stdout).toBe(
        '✅ waypoint bookinfo/waypoint applied\n✅ waypoint bookinfo/waypoint is ready!\n',
      );
      expect((await istioctl('waypoint status -n bookinfo')).stdout).toBe(
        'NAME         STATUS     TYPE           REASON         MESSAGE\n' +
          'waypoint     True       Programmed     Programmed     Resource programmed, assigned to service(s) waypoint.bookinfo.svc.cluster.local:15008\n',
      );
    });

    it('deletes, reports unknown names and unknown namespaces', async () => {
      expect((await istioctl('waypoint delete waypoint ghost -n bookinfo')).stdout).toBe(
        'waypoint bookinfo/ghost not found\nwaypoint bookinfo/waypoint deleted\n',
      );
      expect((await istioctl('waypoint list -n bookinfo')).stdout).toBe('No waypoints found.\n');
      expect(await istioctl('waypoint apply -n nowhere')).toMatchObject({
        code: 1,
        stderr: 'Error: namespace: nowhere not found\n',
      });
    });

    it('reports a cluster without istiod as upstream does', async () => {
      expect(await istioctl('version')).toEqual({
        code: 0,
        stdout: `client version: ${clientBuildInfo('').version}\n`,
        stderr:
          'Istio is not present in the cluster: no running Istio pods in namespace "istio-system"\n',
      });
    });
  },
);
