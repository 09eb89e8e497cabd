// Outbound GETs between the services. Each call opens its own connection (no agent, no
// keep-alive), as upstream's clients do on purpose: a connection-level balancer such as
// ztunnel then spreads consecutive page views over all backend pods.
import { request } from 'node:http';

export interface UpstreamResponse {
  readonly status: number;
  readonly body: string;
}

export type HttpGet = (
  url: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
) => Promise<UpstreamResponse>;

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
}

/**
 * GET `url`. `timeoutMs` bounds connecting and each wait for more bytes (the meaning of a
 * timeout in python-requests and in the JAX-RS client upstream uses), not the whole call.
 */
export const httpGet: HttpGet = (url, headers, timeoutMs) =>
  new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(err);
    };
    const req = request(
      url,
      { method: 'GET', headers, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('aborted', () => {
          fail(new UpstreamError(`${url}: connection closed mid-response`));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('timeout', () => {
      fail(new UpstreamError(`${url}: no answer within ${timeoutMs} ms`));
    });
    req.on('error', (err) => {
      fail(new UpstreamError(`${url}: ${err.message}`));
    });
    req.end();
  });
