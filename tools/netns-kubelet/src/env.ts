// A container's environment as kubelet and the runtime build it: image ENV, HOSTNAME, service
// links, envFrom, env (with $(VAR) expansion and valueFrom) — later sources win.
import type { Container, EnvVar, Pod, Service } from './k8s-types.js';
import { ContainerConfigError } from './errors.js';
import { divideQuantity } from './quantity.js';
import type { KubeObjects } from './kube-objects.js';
import { configMapValue, secretValue } from './kube-objects.js';

export interface PodAddresses {
  readonly podIPs: readonly string[];
  readonly hostIPs: readonly string[];
}

export interface NodeResources {
  /** Node allocatable, reported for limits that the container leaves unset. */
  readonly cpu: string;
  readonly memory: string;
  readonly ephemeralStorage: string;
}

export interface EnvInputs {
  readonly pod: Pod;
  readonly container: Container;
  readonly imageEnv: Readonly<Record<string, string>>;
  readonly hostname: string;
  readonly addresses: PodAddresses;
  readonly objects: KubeObjects;
  /** Services of the pod's namespace plus default/kubernetes; service links are derived from them. */
  readonly services: readonly Service[];
  readonly node: NodeResources;
}

/** Default PATH for containers whose image sets none (Docker's default). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Expands $(VAR) references as Kubernetes does: defined names are replaced, undefined ones
 * are left verbatim, and "$$" escapes a dollar.
 */
export function expandVars(s: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c !== '$' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = s.indexOf(')', i + 2);
      if (close < 0) {
        out += s.slice(i);
        break;
      }
      const name = s.slice(i + 2, close);
      const v = lookup(name);
      out += v ?? `$(${name})`;
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}

const svcEnvName = (name: string): string => name.toUpperCase().replace(/-/g, '_');

/** Docker-link style variables for the services a pod sees (kubelet's service links). */
export function serviceEnv(
  podNamespace: string,
  enableServiceLinks: boolean,
  services: readonly Service[],
): Record<string, string> {
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    const ip = svc.spec?.clusterIP;
    const name = svc.metadata?.name;
    const ns = svc.metadata?.namespace;
    if (!name || !ip || ip === 'None') continue;
    if (ns === 'default' && name === 'kubernetes') {
      if (!chosen.has(name)) chosen.set(name, svc);
    } else if (ns === podNamespace && enableServiceLinks) {
      chosen.set(name, svc);
    }
  }
  const env: Record<string, string> = {};
  for (const [name, svc] of [...chosen].sort(([a], [b]) => a.localeCompare(b))) {
    const ip = svc.spec?.clusterIP ?? '';
    const ports = svc.spec?.ports ?? [];
    const prefix = svcEnvName(name);
    const first = ports[0];
    env[`${prefix}_SERVICE_HOST`] = ip;
    if (first) {
      env[`${prefix}_SERVICE_PORT`] = String(first.port);
      const proto = (first.protocol ?? 'TCP').toLowerCase();
      env[`${prefix}_PORT`] = `${proto}://${ip}:${first.port}`;
    }
    for (const p of ports) {
      if (p.name) env[`${prefix}_SERVICE_PORT_${svcEnvName(p.name)}`] = String(p.port);
      const proto = p.protocol ?? 'TCP';
      const base = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      env[base] = `${proto.toLowerCase()}://${ip}:${p.port}`;
      env[`${base}_PROTO`] = proto.toLowerCase();
      env[`${base}_PORT`] = String(p.port);
      env[`${base}_ADDR`] = ip;
    }
  }
  return env;
}

/** The value of a downward-API field path (env fieldRef and downwardAPI volumes share these). */
export function fieldPathValue(pod: Pod, fieldPath: string, addresses: PodAddresses): string {
  const md = pod.metadata ?? {};
  const mapKey = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (mapKey) {
    const map = mapKey[1] === 'labels' ? md.labels : md.annotations;
    return map?.[mapKey[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? '';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'metadata.labels':
      return formatMap(md.labels);
    case 'metadata.annotations':
      return formatMap(md.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default';
    case 'status.podIP':
      return addresses.podIPs[0] ?? '';
    case 'status.podIPs':
      return addresses.podIPs.join(',');
    case 'status.hostIP':
      return addresses.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return addresses.hostIPs.join(',');
    default:
      throw new ContainerConfigError(`unsupported fieldPath ${JSON.stringify(fieldPath)}`);
  }
}

/** key="value" lines, sorted, as the downward API writes labels and annotations. */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`)
    .join('\n');
}

export function resourceFieldValue(
  container: Container | undefined,
  resource: string,
  divisor: string | number | undefined,
  node: NodeResources,
): string {
  const [kind, name] = resource.split('.') as [string, string | undefined];
  const limits = container?.resources?.limits ?? {};
  const requests = container?.resources?.requests ?? {};
  const nodeValue =
    name === 'cpu'
      ? node.cpu
      : name === 'memory'
        ? node.memory
        : name === 'ephemeral-storage'
          ? node.ephemeralStorage
          : undefined;
  if (nodeValue === undefined || (kind !== 'limits' && kind !== 'requests'))
    throw new ContainerConfigError(`unsupported resource ${JSON.stringify(resource)}`);
  const value =
    kind === 'limits'
      ? (limits[name ?? ''] ?? nodeValue)
      : (requests[name ?? ''] ?? limits[name ?? ''] ?? '0');
  return divideQuantity(value, divisor);
}

function valueFrom(ev: EnvVar, inp: EnvInputs): string | undefined {
  const vf = ev.valueFrom;
  const ns = inp.pod.metadata?.namespace ?? 'default';
  if (!vf) return ev.value ?? '';
  if (vf.fieldRef) return fieldPathValue(inp.pod, vf.fieldRef.fieldPath, inp.addresses);
  if (vf.resourceFieldRef) {
    const target = vf.resourceFieldRef.containerName
      ? [...(inp.pod.spec?.containers ?? []), ...(inp.pod.spec?.initContainers ?? [])].find(
          (c) => c.name === vf.resourceFieldRef?.containerName,
        )
      : inp.container;
    return resourceFieldValue(
      target,
      vf.resourceFieldRef.resource,
      vf.resourceFieldRef.divisor,
      inp.node,
    );
  }
  if (vf.configMapKeyRef) {
    const ref = vf.configMapKeyRef;
    const cm = inp.objects.configMap(ns, ref.name ?? '');
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name}" not found (env ${ev.name})`);
    }
    const v = configMapValue(cm, ref.key)?.toString();
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
    }
    return v;
  }
  if (vf.secretKeyRef) {
    const ref = vf.secretKeyRef;
    const secret = inp.objects.secret(ns, ref.name ?? '');
    if (!secret) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${ref.name}" not found (env ${ev.name})`);
    }
    const v = secretValue(secret, ref.key);
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
    }
    return v.toString();
  }
  throw new ContainerConfigError(`env ${ev.name}: unsupported valueFrom`);
}

const validEnvName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The container's full environment; throws ContainerConfigError as kubelet would (CreateContainerConfigError). */
export function containerEnv(inp: EnvInputs): Record<string, string> {
  const ns = inp.pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    ...inp.imageEnv,
    HOSTNAME: inp.hostname,
  };
  Object.assign(env, serviceEnv(ns, inp.pod.spec?.enableServiceLinks ?? true, inp.services));

  for (const from of inp.container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      const cm = inp.objects.configMap(ns, from.configMapRef.name ?? '');
      if (!cm && !from.configMapRef.optional)
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found (envFrom)`);
      data = cm?.data;
    } else if (from.secretRef) {
      const s = inp.objects.secret(ns, from.secretRef.name ?? '');
      if (!s && !from.secretRef.optional)
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found (envFrom)`);
      data = s
        ? Object.fromEntries(
            Object.keys({ ...s.data, ...s.stringData }).map((k) => [
              k,
              secretValue(s, k)?.toString() ?? '',
            ]),
          )
        : undefined;
    }
    for (const [k, v] of Object.entries(data ?? {})) {
      // kubelet skips keys that are not valid variable names (and records an event).
      if (validEnvName.test(prefix + k)) env[prefix + k] = v;
    }
  }

  const lookup = (name: string): string | undefined => env[name];
  for (const ev of inp.container.env ?? []) {
    if (ev.valueFrom) {
      const v = valueFrom(ev, inp);
      if (v !== undefined) env[ev.name] = v;
    } else {
      env[ev.name] = expandVars(ev.value ?? '', lookup);
    }
  }
  return env;
}
