// The replies the waypoint makes itself and the small facts about messages it
// needs to make them: Envoy's texts and response flags for local replies
// (denials, faults, missing routes, upstream failures), reading a body to
// buffer for retries, and gRPC's status. Pure or message-local.

import type { OutgoingHeaders, RequestPlan } from '../l7/index.js';
import type { DownstreamRequest, DownstreamResponse } from './downstream.js';
import { localReplyHeaders } from './headers.js';

/** Reads the whole body, or undefined (and drains the rest) past `limit` bytes. */
export function readBody(req: DownstreamRequest, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.once('error', reject);
  });
}

export function reply(
  res: DownstreamResponse,
  status: number,
  body: string,
  headers: OutgoingHeaders = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, localReplyHeaders(body, headers));
  res.end(body);
}

/** Envoy response flags of the plan's own replies. */
export const RESPOND_FLAGS: Record<Extract<RequestPlan, { kind: 'respond' }>['reason'], string> = {
  'direct-response': '-',
  redirect: '-',
  'no-route': 'NR',
  'no-backend': 'NC',
  'fault-abort': 'FI',
  'bad-request': '-',
};

export /** Envoy's local replies for upstream failures. */
function failureReply(flags: string): [number, string] {
  switch (flags) {
    case 'UH':
      return [503, 'no healthy upstream'];
    case 'UT':
      return [504, 'upstream request timeout'];
    case 'UF':
      return [
        503,
        'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
      ];
    default:
      return [
        503,
        'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
      ];
  }
}

export function grpcStatusOf(headers: OutgoingHeaders): { grpcStatus?: number } {
  const raw = headers['grpc-status'];
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) return {};
  return { grpcStatus: Number(raw) };
}
