// Classifies an incoming HTTP/2 request on the HBONE port. Pure: the server
// turns the verdict into a status or a stream reset.
//
// RFC 9113 §8.5: a CONNECT carries :method and :authority only; :scheme or
// :path make it malformed (stream error PROTOCOL_ERROR). Upstream ztunnel
// answers other methods and unparseable authorities with 400, and a header
// list over its SETTINGS_MAX_HEADER_LIST_SIZE with 431 (as the h2 crate does).
//
// The size is checked here, not left to node:http2: nghttp2 enforces our
// SETTINGS_MAX_HEADER_LIST_SIZE only once the client has ACKed our SETTINGS,
// so a client that never ACKs them got a 125 KiB header list through (after
// the ACK node:http2 itself resets such a stream with ENHANCE_YOUR_CALM before
// it reaches us).

import type { IncomingHttpHeaders } from 'node:http2';
import { parseAuthority, type HboneTarget } from './authority.js';
import { AuthorityError } from './errors.js';

export type ConnectVerdict =
  | { readonly kind: 'connect'; readonly target: HboneTarget }
  /** Answer with this status and end the stream. */
  | { readonly kind: 'reject'; readonly status: 400 | 431; readonly reason: string }
  /** Reset the stream with PROTOCOL_ERROR. */
  | { readonly kind: 'malformed'; readonly reason: string };

/** RFC 9113 §6.5.2: a field's size is its name and value in octets plus 32. */
const FIELD_OVERHEAD = 32;

/**
 * The header list size of a request as RFC 9113 counts it. `rawHeaders` is
 * node:http2's flat [name, value, …] list (exact, duplicates included); the
 * parsed object is the fallback.
 */
export function headerListBytes(
  headers: IncomingHttpHeaders,
  rawHeaders?: readonly string[],
): number {
  let total = 0;
  if (rawHeaders) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      total +=
        Buffer.byteLength(rawHeaders[i] ?? '') +
        Buffer.byteLength(rawHeaders[i + 1] ?? '') +
        FIELD_OVERHEAD;
    }
    return total;
  }
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? '']) {
      total += Buffer.byteLength(name) + Buffer.byteLength(v) + FIELD_OVERHEAD;
    }
  }
  return total;
}

export interface ClassifyLimits {
  /** SETTINGS_MAX_HEADER_LIST_SIZE we advertised; a larger list is answered 431. */
  readonly maxHeaderListBytes: number;
}

export function classifyRequest(
  headers: IncomingHttpHeaders,
  limits?: ClassifyLimits,
  rawHeaders?: readonly string[],
): ConnectVerdict {
  if (limits) {
    const size = headerListBytes(headers, rawHeaders);
    if (size > limits.maxHeaderListBytes) {
      return {
        kind: 'reject',
        status: 431,
        reason: `header list is ${size} bytes, over the ${limits.maxHeaderListBytes} we advertised`,
      };
    }
  }
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
