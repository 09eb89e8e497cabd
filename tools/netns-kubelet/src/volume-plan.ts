// Pod volumes → what to materialize on the node (directories, files, tokens) and which bind
// mounts each container gets. Pure: the pod runtime does the writing and mounting.
import path from 'node:path';
import type { Container, Pod, Volume, KeyToPath } from './k8s-types.js';
import { VolumeError } from './errors.js';
import {
  fieldPathValue,
  resourceFieldValue,
  type NodeResources,
  type PodAddresses,
} from './env.js';
import { configMapValue, secretValue, type KubeObjects } from './kube-objects.js';
import { mapHostPath } from './host-path.js';
import { expandVars } from './env.js';

export interface FileSpec {
  /** Relative to the volume directory. */
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

/** A projected service-account token to request with the TokenRequest API and keep fresh. */
export interface TokenSpec {
  readonly path: string;
  readonly audience?: string;
  readonly expirationSeconds: number;
  readonly mode: number;
}

export type HostPathType =
  | ''
  | 'DirectoryOrCreate'
  | 'Directory'
  | 'FileOrCreate'
  | 'File'
  | 'Socket'
  | 'CharDevice'
  | 'BlockDevice';

export type VolumePlan =
  | { readonly kind: 'emptyDir'; readonly name: string; readonly dir: string }
  | {
      readonly kind: 'files';
      readonly name: string;
      readonly dir: string;
      readonly files: readonly FileSpec[];
      readonly tokens: readonly TokenSpec[];
    }
  | {
      readonly kind: 'hostPath';
      readonly name: string;
      readonly dir: string;
      readonly type: HostPathType;
    };

export interface VolumeInputs {
  readonly pod: Pod;
  /** Where this pod's volume directories live: <state-dir>/pods/<ns>_<name>_<uid>/volumes. */
  readonly volumesDir: string;
  readonly nodeRoot: string;
  readonly objects: KubeObjects;
  readonly addresses: PodAddresses;
  readonly node: NodeResources;
}

const hostPathTypes: readonly HostPathType[] = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
];

/** A relative file path inside a volume: no "..", not absolute (the API server validates the same). */
function safeRelative(volume: string, p: string): string {
  const n = path.posix.normalize(p);
  if (p === '' || path.posix.isAbsolute(p) || n === '..' || n.startsWith('../'))
    throw new VolumeError(
      volume,
      `path ${JSON.stringify(p)} must be relative and stay inside the volume`,
    );
  return n;
}

function keyedFiles(
  volume: string,
  what: string,
  lookup: (key: string) => Buffer | undefined,
  keys: readonly string[],
  items: readonly KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
): FileSpec[] {
  if (!items || items.length === 0)
    return keys.map((k) => ({
      path: safeRelative(volume, k),
      content: lookup(k) ?? Buffer.alloc(0),
      mode: defaultMode,
    }));
  const out: FileSpec[] = [];
  for (const item of items) {
    const content = lookup(item.key);
    if (content === undefined) {
      if (optional) continue;
      throw new VolumeError(volume, `couldn't find key ${item.key} in ${what}`);
    }
    out.push({ path: safeRelative(volume, item.path), content, mode: item.mode ?? defaultMode });
  }
  return out;
}

function planVolume(v: Volume, inp: VolumeInputs): VolumePlan {
  const ns = inp.pod.metadata?.namespace ?? 'default';
  const dir = path.join(inp.volumesDir, v.name);
  const name = v.name;
  if (v.emptyDir) return { kind: 'emptyDir', name, dir };
  if (v.hostPath) {
    const type = (v.hostPath.type ?? '') as HostPathType;
    if (!hostPathTypes.includes(type))
      throw new VolumeError(name, `unknown hostPath type ${JSON.stringify(type)}`);
    return { kind: 'hostPath', name, dir: mapHostPath(v.hostPath.path, inp.nodeRoot), type };
  }
  if (v.configMap) {
    const cmName = v.configMap.name ?? '';
    const cm = inp.objects.configMap(ns, cmName);
    const optional = v.configMap.optional ?? false;
    if (!cm && !optional) throw new VolumeError(name, `configmap "${cmName}" not found`);
    const keys = cm ? Object.keys({ ...cm.data, ...cm.binaryData }).sort() : [];
    const files = cm
      ? keyedFiles(
          name,
          `ConfigMap ${ns}/${cmName}`,
          (k) => configMapValue(cm, k),
          keys,
          v.configMap.items,
          v.configMap.defaultMode ?? 0o644,
          optional,
        )
      : [];
    return { kind: 'files', name, dir, files, tokens: [] };
  }
  if (v.secret) {
    const sName = v.secret.secretName ?? '';
    const s = inp.objects.secret(ns, sName);
    const optional = v.secret.optional ?? false;
    if (!s && !optional) throw new VolumeError(name, `secret "${sName}" not found`);
    const keys = s ? Object.keys({ ...s.data, ...s.stringData }).sort() : [];
    const files = s
      ? keyedFiles(
          name,
          `Secret ${ns}/${sName}`,
          (k) => secretValue(s, k),
          keys,
          v.secret.items,
          v.secret.defaultMode ?? 0o644,
          optional,
        )
      : [];
    return { kind: 'files', name, dir, files, tokens: [] };
  }
  if (v.downwardAPI) {
    const mode = v.downwardAPI.defaultMode ?? 0o644;
    return {
      kind: 'files',
      name,
      dir,
      files: downwardFiles(name, v.downwardAPI.items ?? [], mode, inp),
      tokens: [],
    };
  }
  if (v.projected) {
    const defaultMode = v.projected.defaultMode ?? 0o644;
    const files: FileSpec[] = [];
    const tokens: TokenSpec[] = [];
    for (const src of v.projected.sources ?? []) {
      if (src.serviceAccountToken) {
        const t = src.serviceAccountToken;
        const exp = t.expirationSeconds ?? 3600;
        if (exp < 600)
          throw new VolumeError(
            name,
            `serviceAccountToken.expirationSeconds must be at least 600, got ${exp}`,
          );
        tokens.push({
          path: safeRelative(name, t.path),
          expirationSeconds: exp,
          mode: defaultMode,
          ...(t.audience ? { audience: t.audience } : {}),
        });
      } else if (src.configMap) {
        const cmName = src.configMap.name ?? '';
        const cm = inp.objects.configMap(ns, cmName);
        const optional = src.configMap.optional ?? false;
        if (!cm) {
          if (optional) continue;
          throw new VolumeError(name, `configmap "${cmName}" not found`);
        }
        const keys = Object.keys({ ...cm.data, ...cm.binaryData }).sort();
        files.push(
          ...keyedFiles(
            name,
            `ConfigMap ${ns}/${cmName}`,
            (k) => configMapValue(cm, k),
            keys,
            src.configMap.items,
            defaultMode,
            optional,
          ),
        );
      } else if (src.secret) {
        const sName = src.secret.name ?? '';
        const s = inp.objects.secret(ns, sName);
        const optional = src.secret.optional ?? false;
        if (!s) {
          if (optional) continue;
          throw new VolumeError(name, `secret "${sName}" not found`);
        }
        const keys = Object.keys({ ...s.data, ...s.stringData }).sort();
        files.push(
          ...keyedFiles(
            name,
            `Secret ${ns}/${sName}`,
            (k) => secretValue(s, k),
            keys,
            src.secret.items,
            defaultMode,
            optional,
          ),
        );
      } else if (src.downwardAPI) {
        files.push(...downwardFiles(name, src.downwardAPI.items ?? [], defaultMode, inp));
      } else if (src.clusterTrustBundle) {
        throw new VolumeError(
          name,
          'projected clusterTrustBundle sources are not supported by netns-kubelet',
        );
      }
    }
    return { kind: 'files', name, dir, files, tokens };
  }
  const kinds = Object.keys(v).filter((k) => k !== 'name');
  throw new VolumeError(
    name,
    `volume type ${kinds.join(',') || '(none)'} is not supported by netns-kubelet (emptyDir, configMap, secret, projected, downwardAPI, hostPath are)`,
  );
}

function downwardFiles(
  volume: string,
  items: NonNullable<NonNullable<Volume['downwardAPI']>['items']>,
  defaultMode: number,
  inp: VolumeInputs,
): FileSpec[] {
  return items.map((item) => {
    let value: string;
    if (item.fieldRef) value = fieldPathValue(inp.pod, item.fieldRef.fieldPath, inp.addresses);
    else if (item.resourceFieldRef) {
      const c = [...(inp.pod.spec?.containers ?? []), ...(inp.pod.spec?.initContainers ?? [])].find(
        (x) => x.name === item.resourceFieldRef?.containerName,
      );
      value = resourceFieldValue(
        c,
        item.resourceFieldRef.resource,
        item.resourceFieldRef.divisor,
        inp.node,
      );
    } else
      throw new VolumeError(
        volume,
        `downwardAPI item ${item.path} has neither fieldRef nor resourceFieldRef`,
      );
    return {
      path: safeRelative(volume, item.path),
      content: Buffer.from(value),
      mode: item.mode ?? defaultMode,
    };
  });
}

export function planVolumes(inp: VolumeInputs): VolumePlan[] {
  return (inp.pod.spec?.volumes ?? []).map((v) => planVolume(v, inp));
}

export interface MountSpec {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  /** The volume (or "etc-hosts", "resolv-conf") this mount comes from, for messages. */
  readonly volume: string;
  /** A subPath inside the volume that the runtime creates as a directory when missing (kubelet does). */
  readonly subPath?: string;
}

/** The container's bind mounts for its volumeMounts, in manifest order. */
export function containerMounts(
  container: Container,
  volumes: readonly VolumePlan[],
  env: Readonly<Record<string, string>>,
): MountSpec[] {
  return (container.volumeMounts ?? []).map((m) => {
    const v = volumes.find((x) => x.name === m.name);
    if (!v)
      throw new VolumeError(
        m.name,
        `container "${container.name}" mounts a volume the pod does not define`,
      );
    if (!m.mountPath.startsWith('/'))
      throw new VolumeError(m.name, `mountPath ${JSON.stringify(m.mountPath)} must be absolute`);
    const sub = m.subPathExpr ? expandVars(m.subPathExpr, (n) => env[n]) : m.subPath;
    const subPath = sub ? safeRelative(m.name, sub) : undefined;
    return {
      source: subPath ? path.join(v.dir, subPath) : v.dir,
      target: path.posix.normalize(m.mountPath).replace(/(.)\/$/, '$1'),
      // Kubernetes mounts secret/configMap/projected/downwardAPI read-only whatever the manifest says.
      readOnly: (m.readOnly ?? false) || v.kind === 'files',
      volume: m.name,
      ...(subPath ? { subPath } : {}),
    };
  });
}
