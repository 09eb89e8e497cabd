import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../kube/objects.js';
import { startHarness, type Harness } from '../testing/harness.js';

/** upstream's test fixture shape: a Gateway with one Programmed condition. */
function gateway(
  name: string,
  namespace: string,
  programmed: boolean,
  isWaypoint: boolean,
  labels?: Record<string, string>,
): Gateway {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace, ...(labels && { labels }) },
    spec: { gatewayClassName: isWaypoint ? 'istio-waypoint' : 'other' },
    status: { conditions: [{ type: 'Programmed', status: programmed ? 'True' : 'False' }] },
  };
}

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.api.addNamespace('default');
  h.api.addNamespace('bookinfo', { 'istio.io/dataplane-mode': 'ambient' });
});
afterEach(async () => {
  await h.close();
});

describe('istioctl waypoint generate', () => {
  it('prints the Gateway without a namespace when -n is not given', async () => {
    const r = await h.run('waypoint generate');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: waypoint
spec:
  gatewayClassName: istio-waypoint
  listeners:
  - name: mesh
    port: 15008
    protocol: HBONE
`,
    );
    expect(h.api.requests).toHaveLength(0);
  });

  it('adds namespace, sorted labels and the name', async () => {
    const r = await h.run('waypoint generate -n bookinfo --for all -r 1-24 --name reviews-wp');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  labels:
    istio.io/rev: 1-24
    istio.io/waypoint-for: all
  name: reviews-wp
  namespace: bookinfo
spec:
  gatewayClassName: istio-waypoint
  listeners:
  - name: mesh
    port: 15008
    protocol: HBONE
`,
    );
  });

  it('quotes a label value YAML 1.1 would read as a number, as Go does', async () => {
    const r = await h.run('waypoint generate -r 1.0');
    expect(r.stdout).toContain('    istio.io/rev: "1.0"\n');
  });

  it('refuses an unknown traffic type and the reserved name', async () => {
    let r = await h.run('waypoint generate --for pods');
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'Error: failed to create gateway: invalid traffic type: pods. Valid options are: [all none service workload]\n',
    });
    r = await h.run('waypoint generate --name none');
    expect(r).toMatchObject({
      code: 1,
      stderr:
        "Error: failed to create gateway: invalid name provided for waypoint, 'none' is a reserved value\n",
    });
  });

  it('treats an empty --name as the default name', async () => {
    const r = await h.runArgv(['waypoint', 'generate', '--name', '']);
    expect(r.stdout).toContain('  name: waypoint\n');
  });
});

describe('istioctl waypoint apply', () => {
  it('server-side applies the Gateway as field manager istioctl', async () => {
    const r = await h.run('waypoint apply -n bookinfo');
    expect(r).toMatchObject({
      code: 0,
      stdout: '✅ waypoint bookinfo/waypoint applied\n',
      stderr: '',
    });
    const [patch] = h.api.requestsTo('PATCH', /gateways\/waypoint$/);
    expect(patch?.path).toBe(
      '/apis/gateway.networking.k8s.io/v1/namespaces/bookinfo/gateways/waypoint',
    );
    expect(patch?.contentType).toBe('application/apply-patch+yaml');
    expect(patch?.query).toEqual({ fieldManager: 'istioctl' });
    expect(patch?.body).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', namespace: 'bookinfo' },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      },
    });
    expect(h.api.gateways.has('bookinfo/waypoint')).toBe(true);
  });

  it('enrolls the namespace, waits for Programmed and prints upstream’s lines in order', async () => {
    h.api.onGetGateway = (gw, gets) => ({
      ...gw,
      status: { conditions: [{ type: 'Programmed', status: gets >= 3 ? 'True' : 'False' }] },
    });
    const r = await h.run('waypoint apply -n bookinfo --enroll-namespace --wait');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '✅ waypoint bookinfo/waypoint applied\n' +
        '✅ waypoint bookinfo/waypoint is ready!\n' +
        '✅ namespace bookinfo labeled with "istio.io/use-waypoint: waypoint"\n',
    );
    expect(r.slept).toBe(3000); // one look per second, the first after a second
    expect(h.api.namespaces.get('bookinfo')?.metadata.labels?.['istio.io/use-waypoint']).toBe(
      'waypoint',
    );
    // The ambient label is kept: the namespace is updated whole, not replaced.
    expect(h.api.namespaces.get('bookinfo')?.metadata.labels?.['istio.io/dataplane-mode']).toBe(
      'ambient',
    );
  });

  it('is also spelled `istioctl x waypoint apply`', async () => {
    const r = await h.run('x waypoint apply -n bookinfo --name wp2');
    expect(r).toMatchObject({ code: 0, stdout: '✅ waypoint bookinfo/wp2 applied\n' });
  });

  it('warns (with upstream’s tab) when the namespace is not ambient, then enrolls it', async () => {
    const r = await h.run('waypoint apply --enroll-namespace --name mine --for workload');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '⚠️ Warning: namespace is not enrolled in ambient. Consider running\t`kubectl label namespace default istio.io/dataplane-mode=ambient`\n' +
        '✅ waypoint default/mine applied\n' +
        '✅ namespace default labeled with "istio.io/use-waypoint: mine"\n',
    );
    expect(h.api.gateways.get('default/mine')?.metadata.labels).toEqual({
      'istio.io/waypoint-for': 'workload',
    });
  });

  it('stops with a warning, exit 0 and no change when the namespace already has a waypoint', async () => {
    h.api.addNamespace('taken', { 'istio.io/use-waypoint': 'theirs' });
    const r = await h.run('waypoint apply -n taken --enroll-namespace');
    expect(r).toMatchObject({
      code: 0,
      stdout:
        '⚠️ Warning: namespace (taken) already has an enrolled Waypoint. Consider adding the `--overwrite` flag to your apply command.\n',
      stderr: '',
    });
    expect(h.api.requestsTo('PATCH', /gateways/)).toHaveLength(0);
    expect(h.api.namespaces.get('taken')?.metadata.labels?.['istio.io/use-waypoint']).toBe(
      'theirs',
    );
  });

  it('replaces the namespace’s waypoint with --overwrite', async () => {
    h.api.addNamespace('taken', {
      'istio.io/use-waypoint': 'theirs',
      'istio.io/dataplane-mode': 'ambient',
    });
    const r = await h.run('waypoint apply -n taken --enroll-namespace --overwrite');
    expect(r.stdout).toBe(
      '✅ waypoint taken/waypoint applied\n✅ namespace taken labeled with "istio.io/use-waypoint: waypoint"\n',
    );
    expect(h.api.namespaces.get('taken')?.metadata.labels?.['istio.io/use-waypoint']).toBe(
      'waypoint',
    );
  });

  it('applies without enrolling even when the namespace has a waypoint label', async () => {
    h.api.addNamespace('taken', { 'istio.io/use-waypoint': 'theirs' });
    const r = await h.run('waypoint apply -n taken');
    expect(r.stdout).toBe('✅ waypoint taken/waypoint applied\n');
  });

  it('times out with upstream’s message after --waypoint-timeout, exit 1', async () => {
    const r = await h.run('waypoint apply -n bookinfo --wait --waypoint-timeout 2s');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('✅ waypoint bookinfo/waypoint applied\n');
    expect(r.stderr).toBe('Error: timed out while waiting for waypoint\tbookinfo/waypoint\n');
    expect(r.slept).toBe(3000); // gives up on the first look past the timeout
  });

  it('says which namespace does not exist', async () => {
    const r = await h.run('waypoint apply -n nope');
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'Error: namespace: nope not found\n' });
  });

  it('says the Gateway CRDs are missing, with client-go’s wording of the 404', async () => {
    await h.close();
    h = await startHarness({ gatewayCrds: false });
    h.api.addNamespace('default');
    const r = await h.run('waypoint apply');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error: missing Kubernetes Gateway CRDs need to be installed before applying a waypoint: ' +
        'the server could not find the requested resource (patch gateways.gateway.networking.k8s.io waypoint)\n',
    );
  });

  it('uses the kubeconfig context’s namespace when -n is absent', async () => {
    await h.close();
    h = await startHarness({ contextNamespace: 'bookinfo' });
    h.api.addNamespace('bookinfo');
    h.api.addNamespace('other-ns');
    expect((await h.run('waypoint apply')).stdout).toBe('✅ waypoint bookinfo/waypoint applied\n');
    expect((await h.run('waypoint apply --context other')).stdout).toBe(
      '✅ waypoint other-ns/waypoint applied\n',
    );
  });

  it('refuses an unknown --context and a missing kubeconfig as upstream’s client errors', async () => {
    let r = await h.run('waypoint apply --context nowhere');
    expect(r).toMatchObject({
      code: 1,
      stderr: 'Error: failed to create Kubernetes client: context "nowhere" does not exist\n',
    });
    r = await h.runArgv(['waypoint', 'list'], { kubeconfigPaths: [] });
    expect(r.stderr).toBe(
      'Error: failed to create Kubernetes client: invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable\n',
    );
    r = await h.run('waypoint list -c /nonexistent/kubeconfig');
    expect(r.stderr).toBe(
      'Error: failed to create Kubernetes client: stat /nonexistent/kubeconfig: no such file or directory\n',
    );
  });

  it('sends impersonation headers from --as, --as-uid and --as-group', async () => {
    await h.run('waypoint apply --as jane --as-uid 42 --as-group devs --as-group ops');
    const [get] = h.api.requestsTo('GET', /namespaces\/default$/);
    expect(get?.headers['impersonate-user']).toBe('jane');
    expect(get?.headers['impersonate-uid']).toBe('42');
    expect(get?.headers['impersonate-group']).toBe('devs, ops');
  });
});

describe('istioctl waypoint list', () => {
  it('says so when there are no Gateways', async () => {
    expect(await h.run('waypoint list')).toMatchObject({
      code: 0,
      stdout: 'No waypoints found.\n',
    });
  });

  it('lists the namespace’s waypoints (upstream testdata default-gateway)', async () => {
    h.api.addGateway(gateway('waypoint', 'default', true, true));
    h.api.addGateway(gateway('waypoint', 'fake', true, true));
    const r = await h.run('waypoint list');
    expect(r.stdout).toBe(
      'NAME         REVISION     TRAFFIC TYPE     PROGRAMMED\nwaypoint     default      none             True\n',
    );
  });

  it('lists across namespaces, sorted, waypoint class only (upstream testdata combined-gateway)', async () => {
    h.api.addGateway(gateway('bookinfo', 'default', false, true));
    h.api.addGateway(gateway('bookinfo-invalid', 'fake', true, false));
    h.api.addGateway(gateway('waypoint', 'default', false, true));
    h.api.addGateway(gateway('bookinfo-valid', 'bookinfo', true, true));
    h.api.addGateway(gateway('no-name-convention', 'default', true, true));
    h.api.addGateway(gateway('bookinfo-rev', 'bookinfo', true, true, { 'istio.io/rev': 'rev1' }));
    h.api.addGateway(
      gateway('bookinfo-traffic-type', 'bookinfo', true, true, { 'istio.io/waypoint-for': 'all' }),
    );
    const r = await h.run('waypoint list -A');
    expect(r.stdout).toBe(
      `NAMESPACE     NAME                      REVISION     TRAFFIC TYPE     PROGRAMMED
bookinfo      bookinfo-rev              rev1         none             True
bookinfo      bookinfo-traffic-type     default      all              True
bookinfo      bookinfo-valid            default      none             True
default       bookinfo                  default      none             False
default       no-name-convention        default      none             True
default       waypoint                  default      none             False
`,
    );
    expect(h.api.requests.at(-1)?.path).toBe('/apis/gateway.networking.k8s.io/v1/gateways');
  });

  it('prints only the header when the namespace holds Gateways of other classes', async () => {
    h.api.addGateway(gateway('ingress', 'default', true, false));
    const r = await h.run('waypoint list');
    expect(r.stdout).toBe('NAME     REVISION     TRAFFIC TYPE     PROGRAMMED\n');
  });

  it('shows False when a waypoint has no Programmed condition yet', async () => {
    h.api.addGateway({ ...gateway('fresh', 'default', false, true), status: {} });
    const r = await h.run('waypoint list');
    expect(r.stdout).toContain('fresh     default      none             False\n');
  });
});

describe('istioctl waypoint status', () => {
  it('shows a ready waypoint (upstream testdata waypoint-status-ready)', async () => {
    h.api.addGateway(gateway('waypoint', 'default', true, true));
    const r = await h.run('waypoint status');
    expect(r).toMatchObject({
      code: 0,
      stdout:
        'NAME         STATUS     TYPE           REASON     MESSAGE\nwaypoint     True       Programmed                \n',
    });
  });

  it('shows every namespace with -A (upstream testdata waypoint-status-all)', async () => {
    for (const ns of ['fake3', 'fake1', 'fake2'])
      h.api.addGateway(gateway('waypoint', ns, true, true));
    const r = await h.run('waypoint status --all-namespaces');
    expect(r.stdout).toBe(
      `NAMESPACE     NAME         STATUS     TYPE           REASON     MESSAGE
fake1         waypoint     True       Programmed                
fake2         waypoint     True       Programmed                
fake3         waypoint     True       Programmed                
`,
    );
  });

  it('shows a not-ready waypoint once with --wait=false (upstream testdata waypoint-status-notready)', async () => {
    h.api.addGateway(gateway('waypoint', 'default', false, true));
    const r = await h.run('waypoint status --wait=false --waypoint-timeout 0.5s');
    expect(r).toMatchObject({
      code: 0,
      stdout:
        'NAME         STATUS     TYPE           REASON     MESSAGE\nwaypoint     False      Programmed                \n',
    });
  });

  it('waits by default and fails alone, table unprinted, on timeout (upstream testdata waypoint-notready-wait)', async () => {
    h.api.addGateway(gateway('waypoint', 'default', false, true));
    const r = await h.run('waypoint status --waypoint-timeout 0.5s');
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'Error: failed to print waypoint status: timed out while retrieving status for waypoint\tdefault/waypoint\n',
    });
  });

  it('adds a row per look until the waypoint is Programmed, with reason and message', async () => {
    h.api.addGateway(gateway('waypoint', 'default', false, true));
    h.api.onGetGateway = (gw, gets) => ({
      ...gw,
      status: {
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Resource accepted' },
          gets >= 2
            ? {
                type: 'Programmed',
                status: 'True',
                reason: 'Programmed',
                message:
                  'Resource programmed, assigned to service(s) waypoint.default.svc.cluster.local:15008',
              }
            : {
                type: 'Programmed',
                status: 'False',
                reason: 'Pending',
                message: 'Waiting for deployment',
              },
        ],
      },
    });
    const r = await h.run('waypoint status');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `NAME         STATUS     TYPE           REASON         MESSAGE
waypoint     False      Programmed     Pending        Waiting for deployment
waypoint     True       Programmed     Programmed     Resource programmed, assigned to service(s) waypoint.default.svc.cluster.local:15008
`,
    );
  });

  it('says so when there are no Gateways and refuses arguments', async () => {
    expect((await h.run('waypoint status')).stdout).toBe('No waypoints found.\n');
    expect(await h.run('waypoint status extra')).toMatchObject({
      code: 1,
      stderr: 'Error: unknown subcommand "extra"\n',
    });
  });
});

describe('istioctl waypoint delete', () => {
  beforeEach(() => {
    h.api.addGateway(gateway('waypoint', 'default', true, true));
    h.api.addGateway(gateway('ingress', 'default', true, false));
    h.api.addGateway(gateway('v1-wp', 'default', true, true, { 'istio.io/rev': 'v1' }));
  });

  it('deletes named waypoints and reports names that are not waypoints', async () => {
    const r = await h.run('waypoint delete waypoint missing ingress');
    expect(r).toMatchObject({
      code: 0,
      stdout:
        'waypoint default/missing not found\nwaypoint default/ingress not found\nwaypoint default/waypoint deleted\n',
    });
    expect([...h.api.gateways.keys()].sort()).toEqual(['default/ingress', 'default/v1-wp']);
  });

  it('deletes every waypoint of the namespace with --all, other Gateways kept', async () => {
    const r = await h.run('waypoint delete --all');
    // The API server lists in key order (namespace/name); deletions follow it.
    expect(r.stdout).toBe('waypoint default/v1-wp deleted\nwaypoint default/waypoint deleted\n');
    expect([...h.api.gateways.keys()]).toEqual(['default/ingress']);
  });

  it('deletes one revision’s waypoints with --revision (label selector istio.io/rev)', async () => {
    const r = await h.run('waypoint delete -r v1');
    expect(r.stdout).toBe('waypoint default/v1-wp deleted\n');
    expect(h.api.requestsTo('GET', /gateways$/)[0]?.query.labelSelector).toBe('istio.io/rev=v1');
  });

  it('refuses names with --all and nothing at all, exit 1', async () => {
    expect(await h.run('waypoint delete --all waypoint')).toMatchObject({
      code: 1,
      stderr: 'Error: cannot specify waypoint names when deleting all waypoints\n',
    });
    expect(await h.run('waypoint delete')).toMatchObject({
      code: 1,
      stderr:
        'Error: must specify a waypoint name or delete all using --all or delete specific revision using --revision\n',
    });
    expect(h.api.requests).toHaveLength(0);
  });

  it('collects failures into go-multierror’s text', async () => {
    h.api.deleteFailures.set('waypoint', 500);
    const r = await h.run('waypoint delete --all');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('waypoint default/v1-wp deleted\n');
    expect(r.stderr).toBe(
      'Error: 1 error occurred:\n\t* Internal error occurred: cannot delete waypoint\n\n\n',
    );
  });
});
