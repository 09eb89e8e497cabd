// The pure half of `istioctl version --remote`: which istiod pods count,
// how their /version answer is read, how proxies are summed up, and the
// text/JSON/YAML istioctl prints.

import type { Pod } from '../kube/objects.js';
import { goYaml } from '../text/go-yaml.js';
import {
  EMPTY_BUILD_INFO,
  buildInfoJson,
  buildInfoLongForm,
  type BuildInfo,
} from './build-info.js';

export interface ServerInfo {
  readonly component: string;
  readonly revision: string;
  readonly info: BuildInfo;
}

export interface ProxyInfo {
  readonly id: string;
  readonly istioVersion: string;
  readonly type: string;
}

export interface VersionReport {
  readonly client: BuildInfo;
  /** undefined: not asked or Istio not found. */
  readonly mesh?: readonly ServerInfo[];
  /** undefined: not asked or istiod could not be asked. */
  readonly dataPlane?: readonly ProxyInfo[];
}

export const ISTIOD_SELECTOR = 'app=istiod';
export const RUNNING = 'status.phase=Running';
export const DEFAULT_MONITORING_PORT = 15014;

/** upstream's CheckPodReady: running, every container ready, Ready condition not false. */
export function podReady(pod: Pod): boolean {
  const status = pod.status;
  if (status?.phase !== 'Running') return false;
  if ((status.initContainerStatuses ?? []).some((c) => !c.ready)) return false;
  if ((status.containerStatuses ?? []).some((c) => !c.ready)) return false;
  return !(status.conditions ?? []).some((c) => c.type === 'Ready' && c.status !== 'True');
}

/** The istiod monitoring port: the prometheus.io/port annotation, else 15014. */
export function monitoringPort(pod: Pod): number {
  const annotated = pod.metadata.annotations?.['prometheus.io/port'];
  if (annotated !== undefined && /^\d+$/.test(annotated)) return Number(annotated);
  return DEFAULT_MONITORING_PORT;
}

/**
 * Reads istiod's /version answer: upstream's JSON {clientVersion: {...}},
 * a flat {version} object, or the plain `<version>-<git sha>-<status>` text
 * that upstream istiod serves. undefined when there is nothing to read.
 */
export function parseIstiodVersion(body: string): BuildInfo | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed !== null && typeof parsed === 'object') {
      const obj = parsed as { clientVersion?: Record<string, unknown>; version?: unknown };
      const client = obj.clientVersion;
      if (client && typeof client.version === 'string' && client.version !== '') {
        return {
          version: client.version,
          gitRevision: str(client.revision),
          golangVersion: str(client.golang_version),
          buildStatus: str(client.status),
          gitTag: str(client.tag),
        };
      }
      if (typeof obj.version === 'string' && obj.version !== '') {
        return { ...EMPTY_BUILD_INFO, version: obj.version };
      }
    }
  } catch {
    // not JSON: the plain text form
  }
  if (body.length === 0) return undefined;
  return fromVersionText(body);
}

/** upstream's setServerInfoWithIstiodVersionInfo. */
function fromVersionText(text: string): BuildInfo {
  const parts = text.split('-');
  const n = parts.length;
  if (n < 3) return { ...EMPTY_BUILD_INFO, version: text };
  let version = parts.slice(0, n - 2).join('-');
  let gitRevision = parts[n - 2] ?? '';
  const buildStatus = parts[n - 1] ?? '';
  if (gitRevision === 'dirty') {
    gitRevision = `${parts[n - 3] ?? ''}-dirty`;
    version = parts.slice(0, n - 3).join('-');
  }
  return { version, gitRevision, golangVersion: '', buildStatus, gitTag: version };
}

/** Proxies from one istiod's /debug/syncz. */
export function proxiesFromSyncz(body: string): ProxyInfo[] {
  const parsed = JSON.parse(body) as unknown;
  if (!Array.isArray(parsed))
    throw new Error(
      'json: cannot unmarshal object into Go value of type []*proxy.sidecarSyncStatus',
    );
  return parsed.map((entry: Record<string, unknown>) => ({
    id: str(entry.proxy),
    istioVersion: str(entry.istio_version),
    type: userFacingNodeType(str(entry.proxy_type)),
  }));
}

function userFacingNodeType(t: string): string {
  return t === 'router' ? 'gateway' : t;
}

/** `data plane version: 1.24.0 (3 proxies), 1.25.0 (1 proxies)` */
export function renderProxyVersions(proxies: readonly ProxyInfo[]): string {
  if (proxies.length === 0) return 'none';
  const counts = new Map<string, number>();
  for (const p of proxies) counts.set(p.istioVersion, (counts.get(p.istioVersion) ?? 0) + 1);
  return [...counts.keys()]
    .sort()
    .map((v) => `${v} (${counts.get(v) ?? 0} proxies)`)
    .join(', ');
}

/** One "control plane" line when every istiod runs the same version. */
export function coalesce(mesh: readonly ServerInfo[]): readonly ServerInfo[] {
  const first = mesh[0];
  if (!first || mesh.some((s) => s.info.version !== first.info.version)) return mesh;
  return [{ component: 'control plane', revision: '', info: first.info }];
}

export function renderShort(report: VersionReport): string {
  let text = `client version: ${report.client.version}\n`;
  for (const server of report.mesh ? coalesce(report.mesh) : []) {
    text += `${server.component} version: ${server.info.version}\n`;
  }
  if (report.dataPlane) text += `data plane version: ${renderProxyVersions(report.dataPlane)}\n`;
  return text;
}

export function renderLong(report: VersionReport): string {
  let text = `client version: ${buildInfoLongForm(report.client)}\n`;
  for (const server of report.mesh ?? []) {
    text += `${server.component} version: ${buildInfoLongForm(server.info)}\n`;
  }
  for (const proxy of report.dataPlane ?? []) {
    text +=
      `data plane version: version.ProxyInfo{ID:${JSON.stringify(proxy.id)}, ` +
      `IstioVersion:${JSON.stringify(proxy.istioVersion)}, Type:${JSON.stringify(proxy.type)}}\n`;
  }
  return text;
}

/** The Go struct as encoding/json sees it (ServerInfo and ProxyInfo have no json tags). */
function reportJson(report: VersionReport): Record<string, unknown> {
  return {
    clientVersion: buildInfoJson(report.client),
    ...(report.mesh && {
      meshVersion: report.mesh.map((s) => ({
        Component: s.component,
        Revision: s.revision,
        Info: buildInfoJson(s.info),
      })),
    }),
    ...(report.dataPlane && {
      dataPlaneVersion: report.dataPlane.map((p) => ({
        ID: p.id,
        IstioVersion: p.istioVersion,
        Type: p.type,
      })),
    }),
  };
}

export function renderJson(report: VersionReport): string {
  return `${JSON.stringify(reportJson(report), null, 2)}\n`;
}

/** sigs.k8s.io/yaml (sorted keys) followed by Println's newline. */
export function renderYaml(report: VersionReport): string {
  return `${goYaml(reportJson(report))}\n`;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
