import type { ConfigMap, Pod, Secret, Service } from './k8s-types.js';
import { describe, expect, it } from 'vitest';
import { containerEnv, expandVars, fieldPathValue, serviceEnv, type EnvInputs } from './env.js';
import { ContainerConfigError } from './errors.js';
import { objectSnapshot } from './kube-objects.js';

const pod: Pod = {
  metadata: {
    name: 'p-1',
    namespace: 'bookinfo',
    uid: 'u-1',
    labels: { app: 'x', b: 'y' },
    annotations: { a: '1' },
  },
  spec: {
    nodeName: 'node-a',
    serviceAccountName: 'sa',
    containers: [{ name: 'c', resources: { limits: { memory: '128Mi' } } }],
  },
};
const cm: ConfigMap = { metadata: { name: 'cm' }, data: { K: 'cv', 'bad key': 'x' } };
const secret: Secret = {
  metadata: { name: 's' },
  data: { PW: Buffer.from('hunter2').toString('base64') },
};
const svc = (
  ns: string,
  name: string,
  ip: string,
  ports: { name?: string; port: number; protocol?: string }[],
): Service => ({
  metadata: { name, namespace: ns },
  spec: { clusterIP: ip, ports },
});
const services = [
  svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }]),
  svc('bookinfo', 'reviews', '10.96.0.20', [{ name: 'http', port: 9080 }]),
  svc('bookinfo', 'headless', 'None', [{ port: 1 }]),
  svc('other', 'elsewhere', '10.96.0.30', [{ port: 80 }]),
];
const base = (container: EnvInputs['container'], podOverride: Pod = pod): EnvInputs => ({
  pod: podOverride,
  container,
  imageEnv: { IMG: 'image', PATH: '/img/bin' },
  hostname: 'p-1',
  addresses: { podIPs: ['10.244.1.5'], hostIPs: ['172.30.0.2'] },
  objects: objectSnapshot('bookinfo', [cm], [secret]),
  services,
  node: { cpu: '2', memory: '8Gi', ephemeralStorage: '100Gi' },
});

describe('expandVars', () => {
  it('follows Kubernetes $(VAR) rules', () => {
    const m: Record<string, string> = { A: 'x', B: 'y' };
    const look = (n: string): string | undefined => m[n];
    expect(expandVars('$(A)/$(B)', look)).toBe('x/y');
    expect(expandVars('$(C)', look)).toBe('$(C)');
    expect(expandVars('$$(A)', look)).toBe('$(A)');
    expect(expandVars('$(A', look)).toBe('$(A');
    expect(expandVars('cost $5 $', look)).toBe('cost $5 $');
  });
});

describe('serviceEnv', () => {
  it('writes Docker-link variables for the namespace services and always for default/kubernetes', () => {
    const env = serviceEnv('bookinfo', true, services);
    expect(env).toMatchObject({
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      REVIEWS_SERVICE_HOST: '10.96.0.20',
      REVIEWS_SERVICE_PORT: '9080',
      REVIEWS_SERVICE_PORT_HTTP: '9080',
      REVIEWS_PORT_9080_TCP: 'tcp://10.96.0.20:9080',
      REVIEWS_PORT_9080_TCP_PROTO: 'tcp',
      REVIEWS_PORT_9080_TCP_PORT: '9080',
      REVIEWS_PORT_9080_TCP_ADDR: '10.96.0.20',
    });
    expect(Object.keys(env).some((k) => k.startsWith('HEADLESS'))).toBe(false);
    expect(Object.keys(env).some((k) => k.startsWith('ELSEWHERE'))).toBe(false);
  });
  it('keeps only the API server variables when service links are off', () => {
    const env = serviceEnv('bookinfo', false, services);
    expect(env.KUBERNETES_SERVICE_HOST).toBe('10.96.0.1');
    expect(env.REVIEWS_SERVICE_HOST).toBeUndefined();
  });
});

describe('containerEnv', () => {
  it('layers image env < HOSTNAME < service links < envFrom < env', () => {
    const env = containerEnv(
      base({
        name: 'c',
        envFrom: [{ configMapRef: { name: 'cm' } }, { secretRef: { name: 's' }, prefix: 'S_' }],
        env: [
          { name: 'IMG', value: 'overridden' },
          { name: 'REF', value: '$(K)-$(S_PW)' },
          { name: 'K', value: 'last' },
        ],
      }),
    );
    expect(env).toMatchObject({
      PATH: '/img/bin',
      IMG: 'overridden',
      HOSTNAME: 'p-1',
      K: 'last',
      S_PW: 'hunter2',
      REF: 'cv-hunter2',
      REVIEWS_SERVICE_PORT: '9080',
    });
    expect(env['bad key']).toBeUndefined();
  });
  it('gives a default PATH when the image sets none', () => {
    const inp = { ...base({ name: 'c' }), imageEnv: {} };
    expect(containerEnv(inp).PATH).toContain('/usr/bin');
  });
  it('resolves fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef', () => {
    const env = containerEnv(
      base({
        name: 'c',
        resources: { limits: { memory: '128Mi' } },
        env: [
          { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          {
            name: 'MEM',
            valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } },
          },
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
          { name: 'CMV', valueFrom: { configMapKeyRef: { name: 'cm', key: 'K' } } },
          { name: 'SV', valueFrom: { secretKeyRef: { name: 's', key: 'PW' } } },
          {
            name: 'OPT',
            valueFrom: { secretKeyRef: { name: 'missing', key: 'x', optional: true } },
          },
        ],
      }),
    );
    expect(env).toMatchObject({
      NAME: 'p-1',
      NS: 'bookinfo',
      UID: 'u-1',
      NODE: 'node-a',
      SA: 'sa',
      IP: '10.244.1.5',
      HOST_IP: '172.30.0.2',
      APP: 'x',
      MEM: '128',
      CPU: '2',
      CMV: 'cv',
      SV: 'hunter2',
    });
    expect('OPT' in env).toBe(false);
  });
  it('fails like kubelet (CreateContainerConfigError) on missing non-optional references', () => {
    const missingKey = base({
      name: 'c',
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope' } } }],
    });
    expect(() => containerEnv(missingKey)).toThrow(ContainerConfigError);
    expect(() => containerEnv(missingKey)).toThrow(
      "couldn't find key nope in ConfigMap bookinfo/cm",
    );
    const missingSecret = base({
      name: 'c',
      env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }],
    });
    expect(() => containerEnv(missingSecret)).toThrow('secret "gone" not found');
    const missingFrom = base({ name: 'c', envFrom: [{ configMapRef: { name: 'gone' } }] });
    expect(() => containerEnv(missingFrom)).toThrow('configmap "gone" not found');
    const badField = base({
      name: 'c',
      env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } }],
    });
    expect(() => containerEnv(badField)).toThrow('unsupported fieldPath');
  });
});

describe('fieldPathValue', () => {
  it('renders labels as sorted key="value" lines', () => {
    expect(fieldPathValue(pod, 'metadata.labels', { podIPs: [], hostIPs: [] })).toBe(
      'app="x"\nb="y"',
    );
    expect(fieldPathValue(pod, 'spec.serviceAccountName', { podIPs: [], hostIPs: [] })).toBe('sa');
    expect(
      fieldPathValue({ metadata: {}, spec: { containers: [] } }, 'spec.serviceAccountName', {
        podIPs: [],
        hostIPs: [],
      }),
    ).toBe('default');
  });
});
