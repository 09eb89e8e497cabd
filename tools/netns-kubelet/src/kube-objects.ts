// ConfigMaps and Secrets a pod refers to. The pod runtime fetches them once per container
// start (I/O), then env and volume planning read them synchronously from this snapshot.
import type { ConfigMap, Pod, Secret } from './k8s-types.js';

export interface KubeObjects {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

export function secretValue(secret: Secret, key: string): Buffer | undefined {
  const s = secret.stringData?.[key];
  if (s !== undefined) return Buffer.from(s);
  const b = secret.data?.[key];
  return b === undefined ? undefined : Buffer.from(b, 'base64');
}

export function configMapValue(cm: ConfigMap, key: string): Buffer | undefined {
  const s = cm.data?.[key];
  if (s !== undefined) return Buffer.from(s);
  const b = cm.binaryData?.[key];
  return b === undefined ? undefined : Buffer.from(b, 'base64');
}

export interface ReferencedObjects {
  readonly configMaps: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
}

/** Names of the ConfigMaps and Secrets (in the pod's namespace) that env and volumes use. */
export function referencedObjects(pod: Pod): ReferencedObjects {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const spec = pod.spec;
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
      if (f.secretRef?.name) secrets.add(f.secretRef.name);
    }
  }
  for (const v of spec?.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  return { configMaps, secrets };
}

/** A snapshot built from fetched objects; absent names are simply not found. */
export function objectSnapshot(
  namespace: string,
  configMaps: readonly ConfigMap[],
  secrets: readonly Secret[],
): KubeObjects {
  const cms = new Map(configMaps.map((c) => [c.metadata?.name ?? '', c]));
  const ss = new Map(secrets.map((s) => [s.metadata?.name ?? '', s]));
  return {
    configMap: (ns, name) => (ns === namespace ? cms.get(name) : undefined),
    secret: (ns, name) => (ns === namespace ? ss.get(name) : undefined),
  };
}
