// The manifests against the facts of upstream's bookinfo and curl samples: names, labels,
// ports, selectors, images, service accounts, env and volumes.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BOOKINFO_IMAGES } from './images.js';
import { bookinfoManifests } from './manifests.js';

type Labels = Record<string, string>;

interface Container {
  name: string;
  image: string;
  env?: unknown[];
  volumeMounts?: unknown[];
}

interface PodTemplate {
  metadata: { labels: Labels; annotations?: Labels };
  spec: {
    serviceAccountName?: string;
    terminationGracePeriodSeconds?: number;
    containers: Container[];
    volumes?: unknown[];
  };
}

/** The fields these manifests use, across Service, Deployment, Gateway and HTTPRoute. */
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels; annotations?: Labels };
  spec: {
    ports?: unknown[];
    selector?: Labels & { matchLabels?: Labels };
    replicas?: number;
    template?: PodTemplate;
    parentRefs?: unknown[];
    rules?: unknown[];
  };
}

const template = (r: Resource): PodTemplate => {
  expect(r.spec.template, `${r.metadata.name} has a pod template`).toBeDefined();
  return r.spec.template!;
};

function load(file: string): Resource[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as Resource | null)
    .filter((r): r is Resource => r !== null);
}

const one = (rs: Resource[], kind: string, name: string): Resource => {
  const found = rs.filter((r) => r.kind === kind && r.metadata.name === name);
  expect(found, `${kind} ${name}`).toHaveLength(1);
  return found[0]!;
};

const selects = (selector: Labels | undefined, labels: Labels): boolean =>
  selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);

const WORKLOADS = [
  ['details', 'v1'],
  ['ratings', 'v1'],
  ['reviews', 'v1'],
  ['reviews', 'v2'],
  ['reviews', 'v3'],
  ['productpage', 'v1'],
] as const;
const APPS = ['details', 'ratings', 'reviews', 'productpage'] as const;

describe('bookinfo.yaml', () => {
  const rs = load(bookinfoManifests.bookinfo);

  it('holds exactly a Service and ServiceAccount per app and a Deployment per version', () => {
    expect(rs.map((r) => `${r.kind}/${r.metadata.name}`).sort()).toEqual(
      [
        ...APPS.flatMap((a) => [`Service/${a}`, `ServiceAccount/bookinfo-${a}`]),
        ...WORKLOADS.map(([a, v]) => `Deployment/${a}-${v}`),
      ].sort(),
    );
  });

  it.each(APPS)('%s: Service on 9080 "http" selecting app, labelled app and service', (app) => {
    const svc = one(rs, 'Service', app);
    expect(svc.apiVersion).toBe('v1');
    expect(svc.metadata.labels).toEqual({ app, service: app });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 9080 }]);
    expect(svc.spec.selector).toEqual({ app });
    const sa = one(rs, 'ServiceAccount', `bookinfo-${app}`);
    expect(sa.metadata.labels).toEqual({ account: app });
  });

  it.each(WORKLOADS)(
    '%s-%s: Deployment with upstream labels, image, account and port',
    (app, v) => {
      const d = one(rs, 'Deployment', `${app}-${v}`);
      expect(d.apiVersion).toBe('apps/v1');
      expect(d.metadata.labels).toEqual({ app, version: v });
      expect(d.spec.replicas).toBe(1);
      expect(d.spec.selector).toEqual({ matchLabels: { app, version: v } });
      expect(template(d).metadata.labels).toEqual({ app, version: v });
      expect(template(d).spec.serviceAccountName).toBe(`bookinfo-${app}`);
      const [c, ...more] = template(d).spec.containers;
      expect(more).toHaveLength(0);
      expect(c).toMatchObject({
        name: app,
        image: `registry.istio.io/release/examples-bookinfo-${app}-${v}:1.20.3`,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 9080 }],
      });
      expect(BOOKINFO_IMAGES[c!.image]?.app).toBe(app);
      // The app's Service reaches every version of it.
      expect(selects(one(rs, 'Service', app).spec.selector, template(d).metadata.labels)).toBe(
        true,
      );
    },
  );

  it.each(['v1', 'v2', 'v3'])('reviews-%s logs to /tmp/logs on emptyDir volumes', (v) => {
    const pod = template(one(rs, 'Deployment', `reviews-${v}`)).spec;
    expect(pod.containers[0]!.env).toEqual([{ name: 'LOG_DIR', value: '/tmp/logs' }]);
    expect(pod.containers[0]!.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'wlp-output', mountPath: '/opt/ibm/wlp/output' },
    ]);
    expect(pod.volumes).toEqual(
      expect.arrayContaining([
        { name: 'tmp', emptyDir: {} },
        { name: 'wlp-output', emptyDir: {} },
      ]),
    );
    expect(pod.volumes).toHaveLength(2);
  });

  it('productpage is scraped for metrics and has an emptyDir /tmp', () => {
    const tpl = template(one(rs, 'Deployment', 'productpage-v1'));
    expect(tpl.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9080',
      'prometheus.io/path': '/metrics',
    });
    expect(tpl.spec.containers[0]!.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(tpl.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(tpl.spec.containers[0]!.env).toBeUndefined();
  });

  it('details and ratings carry no env or volumes', () => {
    for (const name of ['details-v1', 'ratings-v1']) {
      const pod = template(one(rs, 'Deployment', name)).spec;
      expect(pod.containers[0]!.env).toBeUndefined();
      expect(pod.volumes).toBeUndefined();
    }
  });
});

describe('bookinfo-versions.yaml', () => {
  const rs = load(bookinfoManifests.versions);
  const deployments = load(bookinfoManifests.bookinfo).filter((r) => r.kind === 'Deployment');

  it('has one Service per version selecting exactly that Deployment', () => {
    expect(rs.map((r) => r.metadata.name).sort()).toEqual(
      WORKLOADS.map(([a, v]) => `${a}-${v}`).sort(),
    );
    for (const [app, v] of WORKLOADS) {
      const svc = one(rs, 'Service', `${app}-${v}`);
      expect(svc.spec.selector).toEqual({ app, version: v });
      expect(svc.spec.ports).toEqual([{ name: 'http', port: 9080 }]);
      const picked = deployments.filter((d) =>
        selects(svc.spec.selector, template(d).metadata.labels),
      );
      expect(picked.map((d) => d.metadata.name)).toEqual([`${app}-${v}`]);
    }
  });
});

describe('gateway-api/bookinfo-gateway.yaml', () => {
  const rs = load(bookinfoManifests.gateway);

  it('declares an istio-class Gateway listening for HTTP on 80', () => {
    const gw = one(rs, 'Gateway', 'bookinfo-gateway');
    expect(gw.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gw.spec).toEqual({
      gatewayClassName: 'istio',
      listeners: [
        {
          name: 'http',
          port: 80,
          protocol: 'HTTP',
          allowedRoutes: { namespaces: { from: 'Same' } },
        },
      ],
    });
  });

  it('routes the UI, static files, sign in/out and the API to productpage', () => {
    const route = one(rs, 'HTTPRoute', 'bookinfo');
    expect(route.spec.parentRefs).toEqual([{ name: 'bookinfo-gateway' }]);
    expect(route.spec.rules).toEqual([
      {
        matches: [
          { path: { type: 'Exact', value: '/productpage' } },
          { path: { type: 'PathPrefix', value: '/static' } },
          { path: { type: 'Exact', value: '/login' } },
          { path: { type: 'Exact', value: '/logout' } },
          { path: { type: 'PathPrefix', value: '/api/v1/products' } },
        ],
        backendRefs: [{ name: 'productpage', port: 9080 }],
      },
    ]);
  });
});

describe('version routes', () => {
  const versionServices = new Set(load(bookinfoManifests.versions).map((r) => r.metadata.name));
  const cases: [keyof typeof bookinfoManifests, Record<string, [string, number | undefined][]>][] =
    [
      [
        'routeAllV1',
        {
          reviews: [['reviews-v1', undefined]],
          productpage: [['productpage-v1', undefined]],
          ratings: [['ratings-v1', undefined]],
          details: [['details-v1', undefined]],
        },
      ],
      ['routeReviewsV1', { reviews: [['reviews-v1', undefined]] }],
      ['routeReviewsV3', { reviews: [['reviews-v3', undefined]] }],
      [
        'routeReviews90v1_10v2',
        {
          reviews: [
            ['reviews-v1', 90],
            ['reviews-v2', 10],
          ],
        },
      ],
      [
        'routeReviews50v3',
        {
          reviews: [
            ['reviews-v1', 50],
            ['reviews-v3', 50],
          ],
        },
      ],
    ];

  it.each(cases)('%s attaches to the Services and splits as upstream', (file, expected) => {
    const rs = load(bookinfoManifests[file]);
    expect(rs.map((r) => r.metadata.name)).toEqual(Object.keys(expected));
    for (const r of rs) {
      expect(r.apiVersion).toBe('gateway.networking.k8s.io/v1');
      expect(r.kind).toBe('HTTPRoute');
      expect(r.spec.parentRefs).toEqual([
        { group: '', kind: 'Service', name: r.metadata.name, port: 9080 },
      ]);
      const want = expected[r.metadata.name]!.map(([name, weight]) => ({
        name,
        port: 9080,
        ...(weight === undefined ? {} : { weight }),
      }));
      expect(r.spec.rules).toEqual([{ backendRefs: want }]);
      for (const b of want) expect(versionServices.has(b.name)).toBe(true);
    }
  });
});

describe('curl.yaml', () => {
  const rs = load(bookinfoManifests.curl);

  it('runs the curl image asleep under its own account, with an optional TLS secret', () => {
    expect(rs.map((r) => `${r.kind}/${r.metadata.name}`)).toEqual([
      'ServiceAccount/curl',
      'Service/curl',
      'Deployment/curl',
    ]);
    const svc = one(rs, 'Service', 'curl');
    expect(svc.metadata.labels).toEqual({ app: 'curl', service: 'curl' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80 }]);
    expect(svc.spec.selector).toEqual({ app: 'curl' });
    const d = one(rs, 'Deployment', 'curl');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'curl' } });
    const pod = template(d).spec;
    expect(template(d).metadata.labels).toEqual({ app: 'curl' });
    expect(pod.terminationGracePeriodSeconds).toBe(0);
    expect(pod.serviceAccountName).toBe('curl');
    expect(pod.containers).toEqual([
      {
        name: 'curl',
        image: 'docker.io/curlimages/curl:8.16.0',
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sleep', 'infinity'],
        volumeMounts: [{ name: 'secret-volume', mountPath: '/etc/curl/tls' }],
      },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'secret-volume', secret: { secretName: 'curl-secret', optional: true } },
    ]);
  });
});

describe('manifest paths', () => {
  it('are absolute and exist', () => {
    for (const file of Object.values(bookinfoManifests)) {
      expect(file.startsWith('/')).toBe(true);
      expect(existsSync(file), file).toBe(true);
    }
  });
});
