// Runs probe actions from the node's netns, as kubelet does: HTTP GET (2xx/3xx succeed),
// TCP connect, or a command inside the container's namespaces.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import type { CommandRunner } from './commands.js';
import type { ProbeAction } from './probe.js';

export interface ProbeTarget {
  readonly podIP: string;
  /** The container's main pid, for exec probes. */
  readonly pid: number;
}

export interface ProbeOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

export interface Prober {
  run(action: ProbeAction, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome>;
}

function httpProbe(
  a: Extract<ProbeAction, { type: 'http' }>,
  host: string,
  timeoutMs: number,
  userAgent: string,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const mod = a.scheme === 'HTTPS' ? https : http;
    const headers: Record<string, string> = { 'User-Agent': userAgent, Accept: '*/*' };
    for (const h of a.headers) headers[h.name] = h.value;
    const req = mod.request(
      {
        host,
        port: a.port,
        path: a.path.startsWith('/') ? a.path : `/${a.path}`,
        method: 'GET',
        headers,
        timeout: timeoutMs,
        ...(a.scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(
          code >= 200 && code < 400
            ? { ok: true, detail: `HTTP ${code}` }
            : { ok: false, detail: `HTTP probe failed with statuscode: ${code}` },
        );
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({
        ok: false,
        detail: `Get "${a.scheme.toLowerCase()}://${host}:${a.port}${a.path}": context deadline exceeded`,
      });
    });
    req.on('error', (err) => {
      resolve({
        ok: false,
        detail: `Get "${a.scheme.toLowerCase()}://${host}:${a.port}${a.path}": ${err.message}`,
      });
    });
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve({ ok: true, detail: 'connected' });
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ ok: false, detail: `dial tcp ${host}:${port}: i/o timeout` });
    });
    s.once('error', (err) => {
      resolve({ ok: false, detail: `dial tcp ${host}:${port}: ${err.message}` });
    });
  });
}

async function processEnv(pid: number): Promise<Record<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
  const env: Record<string, string> = {};
  for (const kv of raw.split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

export function prober(run: CommandRunner, nsenter: string, userAgent: string): Prober {
  return {
    async run(action, target, timeoutMs) {
      switch (action.type) {
        case 'http':
          return httpProbe(action, action.host ?? target.podIP, timeoutMs, userAgent);
        case 'tcp':
          return tcpProbe(action.host ?? target.podIP, action.port, timeoutMs);
        case 'exec': {
          let env: Record<string, string>;
          try {
            env = await processEnv(target.pid);
          } catch (err) {
            return {
              ok: false,
              detail: `container process ${target.pid} is gone: ${(err as Error).message}`,
            };
          }
          const r = await run(
            [nsenter, '-t', String(target.pid), '-n', '-m', '-u', '--', ...action.command],
            {
              env,
              extendEnv: false,
              reject: false,
              timeoutMs,
            },
          ).catch((err: unknown) => ({ exitCode: -1, stdout: '', stderr: (err as Error).message }));
          return r.exitCode === 0
            ? { ok: true, detail: r.stdout }
            : {
                ok: false,
                detail: `command ${JSON.stringify(action.command)} exited with ${r.exitCode}: ${(r.stdout + r.stderr).trim()}`,
              };
        }
        case 'grpc':
          return { ok: false, detail: 'gRPC probes are not supported by netns-kubelet' };
      }
    },
  };
}
