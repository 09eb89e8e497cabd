// The kubelet's :10250 API, the part the apiserver needs for `kubectl logs`:
// GET /containerLogs/<ns>/<pod>/<container>?follow&tailLines&timestamps&previous&sinceSeconds
// &sinceTime&limitBytes, and /healthz. exec/attach/portForward answer 501.
import { open, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  parseEntry,
  parseLogQuery,
  renderEntries,
  selectEntries,
  type LogEntry,
} from './cri-log.js';

export interface LoggedPod {
  hasContainer(container: string): boolean;
  isRunning(container: string): boolean;
  logPath(container: string, previous?: boolean): string;
}

export interface LogSource {
  find(namespace: string, name: string): LoggedPod | undefined;
}

export interface ServerTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** When set, clients must present a certificate signed by it (the apiserver's kubelet client cert). */
  readonly ca?: string | Buffer;
}

function fail(res: http.ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}

async function readFrom(file: string, offset: number): Promise<{ text: string; size: number }> {
  const st = await stat(file).catch(() => undefined);
  if (!st || st.size <= offset) return { text: '', size: st?.size ?? offset };
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(st.size - offset);
    await fh.read(buf, 0, buf.length, offset);
    return { text: buf.toString('utf8'), size: st.size };
  } finally {
    await fh.close();
  }
}

async function serveLogs(
  source: LogSource,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  pollMs: number,
): Promise<void> {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [, ns, podName, container] = parts;
  if (!ns || !podName || !container || parts.length !== 4) {
    fail(res, 400, 'expected /containerLogs/<namespace>/<pod>/<container>');
    return;
  }
  const pod = source.find(ns, podName);
  if (!pod) {
    fail(res, 404, `pod "${podName}" in namespace "${ns}" is not on this node`);
    return;
  }
  if (!pod.hasContainer(container)) {
    fail(res, 404, `container "${container}" in pod "${podName}" is not available`);
    return;
  }
  const q = parseLogQuery(url.searchParams, Date.now());
  const file = pod.logPath(container, q.previous);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    if (q.previous)
      fail(res, 400, `previous terminated container "${container}" in pod "${podName}" not found`);
    else
      fail(
        res,
        400,
        `container "${container}" in pod "${podName}" is waiting to start: no logs yet`,
      );
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Transfer-Encoding': 'chunked',
  });
  // Headers now, so a follower gets its response before the first line exists.
  res.flushHeaders();
  let budget = q.limitBytes ?? Infinity;
  const send = (s: string): boolean => {
    if (s === '') return true;
    const buf = Buffer.from(s);
    if (buf.length >= budget) {
      res.write(buf.subarray(0, budget));
      budget = 0;
      return false;
    }
    budget -= buf.length;
    res.write(buf);
    return true;
  };
  // Only complete lines are consumed, so a line being written is never split.
  const consumed = text.lastIndexOf('\n') + 1;
  const rendered = renderEntries(selectEntries(text.slice(0, consumed), q), q.timestamps);
  let atLineStart = rendered.atLineStart;
  if (!send(rendered.out) || !q.follow || q.previous) {
    res.end();
    return;
  }
  let offset = Buffer.byteLength(text.slice(0, consumed));
  let closed = false;
  req.on('close', () => {
    closed = true;
  });
  for (let idle = 0; !closed;) {
    await new Promise((r) => setTimeout(r, pollMs));
    const { text: more } = await readFrom(file, offset);
    const end = more.lastIndexOf('\n') + 1;
    if (end > 0) {
      idle = 0;
      const chunk = more.slice(0, end);
      offset += Buffer.byteLength(chunk);
      const entries = chunk
        .split('\n')
        .map(parseEntry)
        .filter((e): e is LogEntry => e !== undefined);
      const r = renderEntries(entries, q.timestamps, atLineStart);
      atLineStart = r.atLineStart;
      if (!send(r.out)) break;
    } else if (!pod.isRunning(container)) {
      // The container stopped and its log is drained: kubelet ends the stream here too.
      if (++idle > 2) break;
    }
  }
  res.end();
}

export function kubeletHandler(source: LogSource, pollMs = 250): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/containerLogs/')) {
      serveLogs(source, req, res, url, pollMs).catch((err: unknown) => {
        if (!res.headersSent) fail(res, 500, (err as Error).message);
        else res.end();
      });
      return;
    }
    const what = url.pathname.split('/')[1] ?? '';
    if (['exec', 'attach', 'portForward', 'run'].includes(what)) {
      fail(
        res,
        501,
        `${what} is not supported by netns-kubelet (use nsenter -t <pid> with the pid from state.json)`,
      );
      return;
    }
    fail(res, 404, `404 page not found: ${url.pathname}`);
  };
}

export interface KubeletServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startKubeletServer(
  source: LogSource,
  port: number,
  host: string,
  tls?: ServerTls,
): Promise<KubeletServer> {
  const handler = kubeletHandler(source);
  const server = tls
    ? https.createServer(
        {
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
        },
        handler,
      )
    : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
