// Probes as kubelet runs them: defaults, named ports, and the threshold state machine.
import type { Container, Probe } from './k8s-types.js';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';

export type ProbeAction =
  | {
      readonly type: 'http';
      readonly host?: string;
      readonly port: number;
      readonly path: string;
      readonly scheme: 'HTTP' | 'HTTPS';
      readonly headers: readonly { readonly name: string; readonly value: string }[];
    }
  | { readonly type: 'tcp'; readonly host?: string; readonly port: number }
  | { readonly type: 'exec'; readonly command: readonly string[] }
  | { readonly type: 'grpc'; readonly port: number; readonly service?: string };

export interface ProbeSpec {
  readonly kind: ProbeKind;
  readonly action: ProbeAction;
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeCounter {
  readonly result: ProbeResult;
  readonly successes: number;
  readonly failures: number;
}

export class ProbeSpecError extends Error {
  override readonly name = 'ProbeSpecError';
}

function resolvePort(
  container: Container,
  port: number | string | undefined,
  kind: ProbeKind,
): number {
  if (typeof port === 'number') return port;
  if (port === undefined)
    throw new ProbeSpecError(`${kind} probe of container "${container.name}" has no port`);
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named)
    throw new ProbeSpecError(
      `${kind} probe of container "${container.name}" names port "${port}" that the container does not declare`,
    );
  return named.containerPort;
}

/** A probe of the manifest with Kubernetes' defaults; undefined when the container has none. */
export function probeSpec(container: Container, kind: ProbeKind): ProbeSpec | undefined {
  const p: Probe | undefined =
    kind === 'readiness'
      ? container.readinessProbe
      : kind === 'liveness'
        ? container.livenessProbe
        : container.startupProbe;
  if (!p) return undefined;
  let action: ProbeAction;
  if (p.httpGet) {
    const scheme = (p.httpGet.scheme ?? 'HTTP').toUpperCase();
    if (scheme !== 'HTTP' && scheme !== 'HTTPS')
      throw new ProbeSpecError(`unknown httpGet scheme ${scheme}`);
    action = {
      type: 'http',
      ...(p.httpGet.host ? { host: p.httpGet.host } : {}),
      port: resolvePort(container, p.httpGet.port, kind),
      path: p.httpGet.path ?? '/',
      scheme,
      headers: (p.httpGet.httpHeaders ?? []).map((h) => ({ name: h.name, value: h.value })),
    };
  } else if (p.tcpSocket) {
    action = {
      type: 'tcp',
      ...(p.tcpSocket.host ? { host: p.tcpSocket.host } : {}),
      port: resolvePort(container, p.tcpSocket.port, kind),
    };
  } else if (p.exec) {
    action = { type: 'exec', command: p.exec.command ?? [] };
  } else if (p.grpc) {
    action = {
      type: 'grpc',
      port: p.grpc.port,
      ...(p.grpc.service ? { service: p.grpc.service } : {}),
    };
  } else {
    throw new ProbeSpecError(`${kind} probe of container "${container.name}" has no handler`);
  }
  const successThreshold = p.successThreshold ?? 1;
  if (kind !== 'readiness' && successThreshold !== 1)
    throw new ProbeSpecError(`${kind} probe successThreshold must be 1`);
  return {
    kind,
    action,
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    successThreshold,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

/** Before any probe has run: not ready, alive, not yet started — kubelet's initial results. */
export function initialCounter(kind: ProbeKind): ProbeCounter {
  return {
    result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown',
    successes: 0,
    failures: 0,
  };
}

/** One probe outcome applied: the result flips only after the threshold's consecutive outcomes. */
export function stepProbe(spec: ProbeSpec, c: ProbeCounter, ok: boolean): ProbeCounter {
  if (ok) {
    const successes = c.successes + 1;
    return {
      result: successes >= spec.successThreshold ? 'success' : c.result,
      successes,
      failures: 0,
    };
  }
  const failures = c.failures + 1;
  return {
    result: failures >= spec.failureThreshold ? 'failure' : c.result,
    successes: 0,
    failures,
  };
}
