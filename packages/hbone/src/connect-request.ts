// Classifies an incoming HTTP/2 request on the HBONE port. Pure: the server
// turns the verdict into a status or a stream reset.
//
// RFC 9113 §8.5: a CONNECT carries :method and :authority only; :scheme or
// :path make it malformed (stream error PROTOCOL_ERROR). Upstream ztunnel
// answers other methods and unparseable authorities with 400.

import type { IncomingHttpHeaders } from 'node:http2';
import { parseAuthority, type HboneTarget } from './authority.js';
import { AuthorityError } from './errors.js';

export type ConnectVerdict =
  | { readonly kind: 'connect'; readonly target: HboneTarget }
  /** Answer with this status and end the stream. */
  | { readonly kind: 'reject'; readonly status: 400; readonly reason: string }
  /** Reset the stream with PROTOCOL_ERROR. */
  | { readonly kind: 'malformed'; readonly reason: string };

export function classifyRequest(headers: IncomingHttpHeaders): ConnectVerdict {
  const method = headers[':method'];
  if (method !== 'CONNECT') {
    return { kind: 'reject', status: 400, reason: `method ${String(method)} is not CONNECT` };
  }
  for (const pseudo of [':scheme', ':path', ':protocol'] as const) {
    if (headers[pseudo] !== undefined) {
      return { kind: 'malformed', reason: `CONNECT carries ${pseudo}` };
    }
  }
  const authority = headers[':authority'];
  if (typeof authority !== 'string' || authority === '') {
    return { kind: 'malformed', reason: 'CONNECT has no :authority' };
  }
  try {
    return { kind: 'connect', target: parseAuthority(authority) };
  } catch (err) {
    if (err instanceof AuthorityError) return { kind: 'reject', status: 400, reason: err.message };
    throw err;
  }
}
