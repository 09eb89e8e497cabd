import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ambientYamlPath } from './paths.js';
import { renderManifests, toYaml } from './render.js';
import { InvalidValuesError, ISTIO_VERSION, resolveValues } from './values.js';
import type { K8sObject } from './k8s.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument */

const objects = renderManifests();
const find = (kind: string, name: string): any => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};
const container = (o: any, name: string): any =>
  o.spec.template.spec.containers.find((c: any) => c.name === name);
const env = (c: any): Record<string, unknown> =>
  Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
const mounts = (c: any): Record<string, string> =>
  Object.fromEntries(c.volumeMounts.map((m: any) => [m.name, m.mountPath]));
const volumes = (o: any): Record<string, any> =>
  Object.fromEntries(o.spec.template.spec.volumes.map((v: any) => [v.name, v]));

describe('the committed install YAML', () => {
  it("names upstream's images at the Istio version the mesh follows (xds-types)", () => {
    const versionFile = new URL(
      '../../../packages/xds-types/src/istio-version.ts',
      import.meta.url,
    );
    const followed = /ISTIO_COMPATIBILITY_VERSION = '([^']+)'/.exec(
      readFileSync(versionFile, 'utf8'),
    )?.[1];
    expect(ISTIO_VERSION).toBe(followed);
    const istiod = container(find('Deployment', 'istiod'), 'discovery');
    expect(env(istiod).WAYPOINT_IMAGE).toBe(`docker.io/istio/proxyv2:${ISTIO_VERSION}`);
  });

  it('is exactly what the typed source renders (run npm run generate -w @ambient-ts/deploy when this fails)', () => {
    expect(readFileSync(ambientYamlPath(), 'utf8')).toBe(toYaml(objects));
  });

  it('parses back into the same objects, one document each, every object named', () => {
    const docs = parseAllDocuments(readFileSync(ambientYamlPath(), 'utf8'));
    const parsed = (Array.isArray(docs) ? docs : [docs]).map((d) => d.toJS() as K8sObject);
    expect(parsed).toEqual(objects);
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('CRDs', () => {
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition') as any[];
  const byName = (n: string): any => crds.find((c) => c.metadata.name === n);

  it.each([
    [
      'authorizationpolicies.security.istio.io',
      'AuthorizationPolicy',
      ['ap'],
      'Namespaced',
      'v1beta1',
    ],
    [
      'peerauthentications.security.istio.io',
      'PeerAuthentication',
      ['pa'],
      'Namespaced',
      'v1beta1',
    ],
    ['virtualservices.networking.istio.io', 'VirtualService', ['vs'], 'Namespaced', 'v1alpha3'],
    ['destinationrules.networking.istio.io', 'DestinationRule', ['dr'], 'Namespaced', 'v1alpha3'],
    ['serviceentries.networking.istio.io', 'ServiceEntry', ['se'], 'Namespaced', 'v1alpha3'],
    ['workloadentries.networking.istio.io', 'WorkloadEntry', ['we'], 'Namespaced', 'v1alpha3'],
    ['gateways.gateway.networking.k8s.io', 'Gateway', ['gtw'], 'Namespaced', 'v1'],
    ['gatewayclasses.gateway.networking.k8s.io', 'GatewayClass', ['gc'], 'Cluster', 'v1'],
    ['httproutes.gateway.networking.k8s.io', 'HTTPRoute', undefined, 'Namespaced', 'v1'],
  ])(
    '%s: kind %s, short names %j, %s, storage %s, v1 served, status subresource',
    (name, kind, shortNames, scope, storage) => {
      const c = byName(name);
      expect(c.spec.names.kind).toBe(kind);
      expect(c.spec.names.shortNames).toEqual(shortNames);
      expect(c.spec.scope).toBe(scope);
      expect(c.spec.versions.filter((v: any) => v.storage).map((v: any) => v.name)).toEqual([
        storage,
      ]);
      expect(c.spec.versions.find((v: any) => v.name === 'v1')?.served).toBe(true);
      for (const v of c.spec.versions) expect(v.subresources).toEqual({ status: {} });
    },
  );

  it('are structural: every object node has a type, and typed objects keep unknown fields where the spec is open', () => {
    const walk = (s: any, at: string): void => {
      expect(s.type, `type at ${at}`).toBeDefined();
      for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, `${at}.${k}`);
      if (s.items) walk(s.items, `${at}[]`);
      if (s.additionalProperties && typeof s.additionalProperties === 'object')
        walk(s.additionalProperties, `${at}{}`);
    };
    for (const c of crds)
      for (const v of c.spec.versions) walk(v.schema.openAPIV3Schema, c.metadata.name);
    const ap = byName('authorizationpolicies.security.istio.io').spec.versions[0].schema
      .openAPIV3Schema;
    expect(ap.properties.spec['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(ap.properties.spec.properties.action.enum).toEqual(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
  });

  it('Gateway API CRDs carry the API-approval annotation the apiserver demands for *.k8s.io groups', () => {
    for (const c of crds.filter((x) => x.spec.group.endsWith('.k8s.io'))) {
      expect(c.metadata.annotations['api-approved.kubernetes.io']).toMatch(/^https:\/\//);
    }
  });

  it('HTTPRoute defaults a rule without matches to PathPrefix /', () => {
    const s = byName('httproutes.gateway.networking.k8s.io').spec.versions[0].schema
      .openAPIV3Schema;
    expect(s.properties.spec.properties.rules.items.properties.matches.default).toEqual([
      { path: { type: 'PathPrefix', value: '/' } },
    ]);
  });
});

describe('istiod', () => {
  const d = find('Deployment', 'istiod');
  const c = container(d, 'discovery');

  it('is the upstream Deployment and Service shape', () => {
    expect(d.metadata.namespace).toBe('istio-system');
    expect(d.spec.selector.matchLabels).toEqual({ istio: 'pilot' });
    expect(d.spec.template.metadata.labels).toMatchObject({
      app: 'istiod',
      istio: 'pilot',
      'istio.io/dataplane-mode': 'none',
    });
    expect(c.image).toBe('docker.io/istio/pilot:1.30.0');
    expect(c.args[0]).toBe('discovery');
    expect(c.ports.map((p: any) => p.containerPort)).toEqual([8080, 15010, 15012, 15017, 15014]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 8080 });
    expect(env(c)).toMatchObject({
      PILOT_ENABLE_AMBIENT: 'true',
      CA_TRUSTED_NODE_ACCOUNTS: 'istio-system/ztunnel',
      CLUSTER_ID: 'Kubernetes',
    });
    const s = find('Service', 'istiod');
    expect(s.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([
      ['grpc-xds', 15010, undefined],
      ['https-dns', 15012, undefined],
      ['https-webhook', 443, 15017],
      ['http-monitoring', 15014, undefined],
    ]);
  });

  it('can review tokens, read the mesh and write statuses; the mesh config carries the trust domain', () => {
    const rules = find('ClusterRole', 'istiod-clusterrole-istio-system').rules;
    const can = (res: string, verb: string): boolean =>
      rules.some(
        (r: any) => r.resources.includes(res) && (r.verbs.includes(verb) || r.verbs.includes('*')),
      );
    expect(can('tokenreviews', 'create')).toBe(true);
    expect(can('authorizationpolicies/status', 'patch')).toBe(true);
    expect(can('gateways/status', 'patch')).toBe(true);
    expect(can('endpointslices', 'watch')).toBe(true);
    expect(find('ClusterRoleBinding', 'istiod-gateway-controller-istio-system').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'istiod', namespace: 'istio-system' },
    ]);
    expect(find('ConfigMap', 'istio').data.mesh).toContain('trustDomain: cluster.local');
  });
});

describe('ztunnel', () => {
  const ds = find('DaemonSet', 'ztunnel');
  const c = container(ds, 'istio-proxy');

  it('runs as upstream: labels, args, capabilities, probe, stats port', () => {
    expect(ds.spec.selector.matchLabels).toEqual({ app: 'ztunnel' });
    expect(ds.spec.template.metadata.labels).toMatchObject({
      app: 'ztunnel',
      'sidecar.istio.io/inject': 'false',
      'istio.io/dataplane-mode': 'none',
    });
    expect(ds.spec.template.spec.hostNetwork).toBeUndefined();
    expect(c.args).toEqual(['proxy', 'ztunnel']);
    expect(c.image).toBe('docker.io/istio/ztunnel:1.30.0');
    expect(c.securityContext.capabilities).toEqual({
      drop: ['ALL'],
      add: ['NET_ADMIN', 'SYS_ADMIN', 'NET_RAW'],
    });
    expect(c.securityContext).toMatchObject({ runAsUser: 0, runAsGroup: 1337, privileged: false });
    expect(c.readinessProbe.httpGet).toEqual({ port: 15021, path: '/healthz/ready' });
    expect(c.ports).toEqual([{ containerPort: 15020, name: 'ztunnel-stats', protocol: 'TCP' }]);
    expect(ds.spec.updateStrategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  it('gets an istio-ca token, the root cert and the ZDS socket dir', () => {
    expect(env(c)).toMatchObject({
      CA_ADDRESS: 'istiod.istio-system.svc:15012',
      XDS_ADDRESS: 'istiod.istio-system.svc:15012',
      INPOD_ENABLED: 'true',
      LOG_FORMAT: 'json',
      NODE_NAME: 'spec.nodeName',
      INSTANCE_IP: 'status.podIP',
    });
    const v = volumes(ds);
    expect(v['istio-token'].projected.sources[0].serviceAccountToken).toEqual({
      path: 'istio-token',
      expirationSeconds: 43200,
      audience: 'istio-ca',
    });
    expect(v['istiod-ca-cert'].configMap.name).toBe('istio-ca-root-cert');
    expect(v['cni-ztunnel-sock-dir'].hostPath).toEqual({
      path: '/var/run/ztunnel',
      type: 'DirectoryOrCreate',
    });
    expect(mounts(c)).toMatchObject({
      'istio-token': '/var/run/secrets/tokens',
      'cni-ztunnel-sock-dir': '/var/run/ztunnel',
    });
    expect(
      objects.some(
        (o) => o.kind === 'ClusterRoleBinding' && JSON.stringify(o).includes('"name":"ztunnel"'),
      ),
    ).toBe(false);
  });
});

describe('istio-cni', () => {
  const ds = find('DaemonSet', 'istio-cni-node');
  const c = container(ds, 'install-cni');
  const pod = ds.spec.template.spec;

  it('runs on the host network with upstream labels, capabilities, readiness and metrics', () => {
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.serviceAccountName).toBe('istio-cni');
    expect(ds.spec.template.metadata.labels).toMatchObject({
      'k8s-app': 'istio-cni-node',
      'istio.io/dataplane-mode': 'none',
    });
    expect(c.image).toBe('docker.io/istio/install-cni:1.30.0');
    expect(c.securityContext.capabilities.add).toEqual([
      'NET_ADMIN',
      'NET_RAW',
      'SYS_PTRACE',
      'SYS_ADMIN',
      'DAC_OVERRIDE',
    ]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 8000 });
    expect(c.ports[0].containerPort).toBe(15014);
  });

  it('mounts the node paths the agent uses where it expects them', () => {
    const v = volumes(ds);
    const m = mounts(c);
    const hostOf = (name: string): string => v[name].hostPath.path;
    expect(Object.fromEntries(Object.keys(m).map((n) => [hostOf(n), m[n]]))).toEqual({
      '/opt/cni/bin': '/host/opt/cni/bin',
      '/proc': '/host/proc',
      '/etc/cni/net.d': '/host/etc/cni/net.d',
      '/var/run/istio-cni': '/var/run/istio-cni',
      '/var/run/netns': '/host/var/run/netns',
      '/var/run/ztunnel': '/var/run/ztunnel',
    });
    expect(c.volumeMounts.find((x: any) => x.name === 'cni-netns-dir').mountPropagation).toBe(
      'HostToContainer',
    );
  });

  it('configures the agent through istio-cni-config with upstream variable names', () => {
    const cm = find('ConfigMap', 'istio-cni-config');
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'istio-cni-config' } }]);
    expect(cm.data).toMatchObject({
      AMBIENT_ENABLED: 'true',
      AMBIENT_DNS_CAPTURE: 'true',
      CHAINED_CNI_PLUGIN: 'true',
      EXCLUDE_NAMESPACES: 'kube-system,istio-system',
    });
    expect(cm.data.AMBIENT_ENABLEMENT_SELECTOR).toContain('istio.io/dataplane-mode: ambient');
    expect(env(c)).toMatchObject({
      NODE_NAME: 'spec.nodeName',
      POD_NAMESPACE: 'metadata.namespace',
    });
  });

  it('may patch pod status and read its own DaemonSet (uninstall check)', () => {
    const rules = find('ClusterRole', 'istio-cni-ambient').rules;
    expect(rules).toContainEqual({
      apiGroups: [''],
      resources: ['pods/status'],
      verbs: ['patch', 'update'],
    });
    expect(rules).toContainEqual({
      apiGroups: ['apps'],
      resources: ['daemonsets'],
      resourceNames: ['istio-cni-node'],
      verbs: ['get'],
    });
    expect(find('ClusterRole', 'istio-cni').rules[0].resources).toEqual([
      'pods',
      'nodes',
      'namespaces',
    ]);
  });
});

describe('values', () => {
  it('hub, tag, trust domain, cluster id and log format flow into every component', () => {
    const custom = renderManifests({
      hub: 'localhost:5000/mesh',
      tag: 'dev',
      trustDomain: 'example.org',
      clusterId: 'c1',
      logFormat: 'plain',
    });
    const images = JSON.stringify(custom).match(/"image":"[^"]+"/g);
    expect(images).toEqual([
      '"image":"localhost:5000/mesh/pilot:dev"',
      '"image":"localhost:5000/mesh/install-cni:dev"',
      '"image":"localhost:5000/mesh/ztunnel:dev"',
    ]);
    const text = JSON.stringify(custom);
    expect(text).toContain('{"name":"WAYPOINT_IMAGE","value":"localhost:5000/mesh/proxyv2:dev"}');
    expect(text).toContain('trustDomain: example.org');
    expect(text).toContain('{"name":"ISTIO_META_CLUSTER_ID","value":"c1"}');
    expect(text).toContain('{"name":"LOG_FORMAT","value":"plain"}');
  });

  it.each([
    [{ profile: 'default' as never }, /profile/],
    [{ namespace: 'Istio_System' }, /namespace/],
    [{ tag: 'has space' }, /tag/],
    [{ trustDomain: 'Not Valid' }, /trustDomain/],
  ])('rejects %j', (o, message) => {
    expect(() => resolveValues(o)).toThrow(InvalidValuesError);
    expect(() => resolveValues(o)).toThrow(message);
  });
});
