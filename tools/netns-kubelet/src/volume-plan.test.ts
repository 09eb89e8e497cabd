import type { Pod } from './k8s-types.js';
import { describe, expect, it } from 'vitest';
import { VolumeError } from './errors.js';
import { mapHostPath } from './host-path.js';
import { objectSnapshot } from './kube-objects.js';
import { containerMounts, planVolumes, type VolumeInputs, type VolumePlan } from './volume-plan.js';

const objects = objectSnapshot(
  'ns',
  [
    { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } },
    {
      metadata: { name: 'cfg' },
      data: { 'a.conf': 'A', 'b.conf': 'B' },
      binaryData: { bin: Buffer.from([1, 2]).toString('base64') },
    },
  ],
  [{ metadata: { name: 'tls' }, data: { 'tls.crt': Buffer.from('CRT').toString('base64') } }],
);
const inputs = (pod: Pod): VolumeInputs => ({
  pod,
  volumesDir: '/state/pods/ns_p_u/volumes',
  nodeRoot: '/nodes/a',
  objects,
  addresses: { podIPs: ['10.244.0.7'], hostIPs: ['172.30.0.2'] },
  node: { cpu: '2', memory: '8Gi', ephemeralStorage: '10Gi' },
});
const podWith = (volumes: NonNullable<Pod['spec']>['volumes']): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u', labels: { app: 'p' } },
  spec: { containers: [{ name: 'c' }], volumes },
});
const files = (v: VolumePlan | undefined): Record<string, string> =>
  v?.kind === 'files' ? Object.fromEntries(v.files.map((f) => [f.path, f.content.toString()])) : {};

describe('planVolumes', () => {
  it('plans the default kube-api-access projected volume: token, ca.crt, namespace', () => {
    const [v] = planVolumes(
      inputs(
        podWith([
          {
            name: 'kube-api-access-x',
            projected: {
              defaultMode: 0o644,
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                {
                  configMap: {
                    name: 'kube-root-ca.crt',
                    items: [{ key: 'ca.crt', path: 'ca.crt' }],
                  },
                },
                {
                  downwardAPI: {
                    items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }],
                  },
                },
              ],
            },
          },
        ]),
      ),
    );
    expect(v?.kind).toBe('files');
    expect(v?.dir).toBe('/state/pods/ns_p_u/volumes/kube-api-access-x');
    expect(files(v)).toEqual({ 'ca.crt': 'PEM', namespace: 'ns' });
    expect(v?.kind === 'files' && v.tokens).toEqual([
      { path: 'token', expirationSeconds: 3607, mode: 0o644 },
    ]);
  });

  it('plans an istio-ca token with its audience', () => {
    const [v] = planVolumes(
      inputs(
        podWith([
          {
            name: 'istio-token',
            projected: {
              sources: [
                {
                  serviceAccountToken: {
                    audience: 'istio-ca',
                    expirationSeconds: 43200,
                    path: 'istio-token',
                  },
                },
              ],
            },
          },
        ]),
      ),
    );
    expect(v?.kind === 'files' && v.tokens[0]).toMatchObject({
      audience: 'istio-ca',
      expirationSeconds: 43200,
      path: 'istio-token',
    });
  });

  it('writes every ConfigMap key (data and binaryData), or only the listed items with their modes', () => {
    const [all, some] = planVolumes(
      inputs(
        podWith([
          { name: 'all', configMap: { name: 'cfg' } },
          {
            name: 'some',
            configMap: {
              name: 'cfg',
              items: [{ key: 'a.conf', path: 'sub/renamed', mode: 0o600 }],
            },
          },
        ]),
      ),
    );
    expect(files(all)).toEqual({ 'a.conf': 'A', 'b.conf': 'B', bin: '\u0001\u0002' });
    expect(some?.kind === 'files' && some.files).toEqual([
      { path: 'sub/renamed', content: Buffer.from('A'), mode: 0o600 },
    ]);
  });

  it('decodes Secrets and tolerates a missing optional one', () => {
    const [s, opt] = planVolumes(
      inputs(
        podWith([
          { name: 's', secret: { secretName: 'tls' } },
          { name: 'o', secret: { secretName: 'curl-secret', optional: true } },
        ]),
      ),
    );
    expect(files(s)).toEqual({ 'tls.crt': 'CRT' });
    expect(opt?.kind === 'files' && opt.files).toEqual([]);
  });

  it('fails a missing ConfigMap, Secret or key with the volume named (FailedMount)', () => {
    expect(() =>
      planVolumes(inputs(podWith([{ name: 'v', configMap: { name: 'gone' } }]))),
    ).toThrow(VolumeError);
    expect(() =>
      planVolumes(inputs(podWith([{ name: 'v', configMap: { name: 'gone' } }]))),
    ).toThrow('volume "v": configmap "gone" not found');
    expect(() =>
      planVolumes(inputs(podWith([{ name: 'v', secret: { secretName: 'gone' } }]))),
    ).toThrow('secret "gone" not found');
    expect(() =>
      planVolumes(
        inputs(
          podWith([{ name: 'v', configMap: { name: 'cfg', items: [{ key: 'nope', path: 'x' }] } }]),
        ),
      ),
    ).toThrow("couldn't find key nope in ConfigMap ns/cfg");
  });

  it('refuses item paths that escape the volume', () => {
    expect(() =>
      planVolumes(
        inputs(
          podWith([
            {
              name: 'v',
              configMap: { name: 'cfg', items: [{ key: 'a.conf', path: '../../etc/passwd' }] },
            },
          ]),
        ),
      ),
    ).toThrow('must be relative and stay inside the volume');
  });

  it('writes downwardAPI files', () => {
    const [v] = planVolumes(
      inputs(
        podWith([
          {
            name: 'podinfo',
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                {
                  path: 'cpu',
                  resourceFieldRef: { containerName: 'c', resource: 'limits.cpu', divisor: '1m' },
                },
              ],
            },
          },
        ]),
      ),
    );
    expect(files(v)).toEqual({ labels: 'app="p"', cpu: '2000' });
  });

  it('maps hostPath under the node root, except kernel paths that pass through', () => {
    const [zt, proc, lock] = planVolumes(
      inputs(
        podWith([
          { name: 'zt', hostPath: { path: '/var/run/ztunnel', type: 'DirectoryOrCreate' } },
          { name: 'proc', hostPath: { path: '/proc' } },
          { name: 'lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
        ]),
      ),
    );
    expect(zt).toEqual({
      kind: 'hostPath',
      name: 'zt',
      dir: '/nodes/a/var/run/ztunnel',
      type: 'DirectoryOrCreate',
    });
    expect(proc?.dir).toBe('/proc');
    expect(lock?.dir).toBe('/run/xtables.lock');
    expect(mapHostPath('/proc/1/ns', '/n')).toBe('/proc/1/ns');
    expect(mapHostPath('etc/cni/net.d', '/n')).toBe('/n/etc/cni/net.d');
    expect(mapHostPath('/sysfoo', '/n')).toBe('/n/sysfoo');
    expect(() =>
      planVolumes(inputs(podWith([{ name: 'h', hostPath: { path: '/x', type: 'Weird' } }]))),
    ).toThrow('unknown hostPath type');
  });

  it('names unsupported volume types', () => {
    expect(() =>
      planVolumes(inputs(podWith([{ name: 'pvc', persistentVolumeClaim: { claimName: 'c' } }]))),
    ).toThrow('volume type persistentVolumeClaim is not supported');
  });
});

describe('containerMounts', () => {
  const vols = planVolumes(
    inputs(
      podWith([
        { name: 'tmp', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'cfg' } },
      ]),
    ),
  );
  it('binds volumes at the manifest paths, honouring readOnly and making config volumes read-only', () => {
    const mounts = containerMounts(
      {
        name: 'c',
        volumeMounts: [
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'tmp', mountPath: '/ro', readOnly: true },
          { name: 'cfg', mountPath: '/etc/app/' },
        ],
      },
      vols,
      {},
    );
    expect(mounts).toEqual([
      { source: '/state/pods/ns_p_u/volumes/tmp', target: '/tmp', readOnly: false, volume: 'tmp' },
      { source: '/state/pods/ns_p_u/volumes/tmp', target: '/ro', readOnly: true, volume: 'tmp' },
      {
        source: '/state/pods/ns_p_u/volumes/cfg',
        target: '/etc/app',
        readOnly: true,
        volume: 'cfg',
      },
    ]);
  });
  it('binds subPath and subPathExpr inside the volume', () => {
    const mounts = containerMounts(
      {
        name: 'c',
        volumeMounts: [
          { name: 'cfg', mountPath: '/etc/a.conf', subPath: 'a.conf' },
          { name: 'tmp', mountPath: '/logs', subPathExpr: '$(POD_NAME)' },
        ],
      },
      vols,
      { POD_NAME: 'p-1' },
    );
    expect(mounts.map((m) => [m.source, m.subPath])).toEqual([
      ['/state/pods/ns_p_u/volumes/cfg/a.conf', 'a.conf'],
      ['/state/pods/ns_p_u/volumes/tmp/p-1', 'p-1'],
    ]);
    expect(() =>
      containerMounts(
        { name: 'c', volumeMounts: [{ name: 'tmp', mountPath: '/x', subPath: '../..' }] },
        vols,
        {},
      ),
    ).toThrow('stay inside the volume');
  });
  it('rejects a mount of an undefined volume', () => {
    expect(() =>
      containerMounts({ name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, vols, {}),
    ).toThrow('mounts a volume the pod does not define');
  });
});
