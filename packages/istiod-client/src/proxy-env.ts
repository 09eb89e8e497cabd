// Reading a proxy's environment the way upstream's proxies do: istiod's
// address as XDS_ADDRESS / CA_ADDRESS (scheme-less means https, unix: for
// local sockets), roots, alternate names and extra headers; plus the typed
// readers (booleans, integers, Go-style durations, host:port) every proxy's
// config.ts uses, so a bad value fails at start naming its variable.

import type { GrpcEndpoint } from './grpc-endpoint.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
  }
}

export type ProxyEnv = Readonly<Record<string, string | undefined>>;
type Env = ProxyEnv;

export function envBool(env: Env, name: string, dflt: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (/^(true|1|yes|on)$/i.test(v)) return true;
  if (/^(false|0|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `"${v}" is not a boolean (true/false)`);
}

export function envInt(env: Env, name: string, dflt: number, min = 0, max = 2 ** 31 - 1): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `"${v}" is not an integer in [${min}, ${max}]`);
  }
  return n;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go/Rust-style durations: `5s`, `1m30s`, `250ms`, or a bare number of seconds. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0);
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

export function envDuration(env: Env, name: string, dfltMs: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dfltMs;
  const ms = parseDurationMs(v);
  if (ms === undefined) throw new ConfigError(name, `"${v}" is not a duration (e.g. 5s, 1m, 24h)`);
  return ms;
}

export function envHostPort(env: Env, name: string, dflt: string): { host: string; port: number } {
  const v = env[name] || dflt;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new ConfigError(name, `"${v}" is not host:port`);
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function envPrefixed(env: Env, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith(prefix) && v !== undefined) out[k.slice(prefix.length)] = v;
  }
  return out;
}

export function grpcEndpointFromEnv(
  env: Env,
  name: string,
  rootVar: string,
  altVar: string,
  headerPrefix: string,
): GrpcEndpoint {
  const dflt = env.KUBERNETES_SERVICE_HOST
    ? 'https://istiod.istio-system.svc:15012'
    : 'https://localhost:15012';
  let v = env[name] ?? dflt;
  if (v === '')
    throw new ConfigError(name, 'is empty; local (file) configuration is not supported');
  if (v.startsWith('unix:')) {
    return {
      target: v.replace(/^unix:\/\//, 'unix:'),
      tls: false,
      rootCa: undefined,
      altHostname: undefined,
      headers: envPrefixed(env, headerPrefix),
    };
  }
  // Upstream: an address without a scheme is https.
  if (!/^[a-z]+:\/\//.test(v)) v = `https://${v}`;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(name, `"${v}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(name, `scheme ${url.protocol} is not supported (https, http or unix:)`);
  }
  const tls = url.protocol === 'https:';
  const port = url.port || (tls ? '443' : '80');
  const rootCa = env[rootVar] ?? './var/run/secrets/istio/root-cert.pem';
  return {
    target: `${url.hostname}:${port}`,
    tls,
    rootCa: rootCa === 'SYSTEM' ? undefined : rootCa,
    altHostname: env[altVar] || undefined,
    headers: envPrefixed(env, headerPrefix),
  };
}
