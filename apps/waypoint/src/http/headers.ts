// Header handling between the downstream request and the upstream one, as an
// HTTP proxy must: hop-by-hop headers (RFC 9110 §7.6.1, plus the ones named in
// Connection) never cross; the upstream gets the rewritten authority. Pure.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { OutgoingHeaders } from '../l7/index.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Headers of a message without hop-by-hop ones (nor those its Connection
 * header names) and without HTTP/2 pseudo-headers, which the plan carries as
 * method, path and authority.
 */
export function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHeaders {
  const named = new Set(
    (headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name) || name === 'host') continue;
    if (name.startsWith(':')) continue;
    out[name] = Array.isArray(value) ? [...value] : value;
  }
  return out;
}

/** What a proxied request carries upstream: the plan's headers and the (possibly rewritten) authority. */
export function upstreamHeaders(planned: OutgoingHeaders, authority: string): OutgoingHttpHeaders {
  // A `host` set by a header modifier is already folded into the plan's authority.
  return { ...planned, host: authority };
}

/** Headers of a reply the waypoint makes itself (denials, redirects, faults, upstream errors). */
export function localReplyHeaders(body: string, extra: OutgoingHeaders = {}): OutgoingHeaders {
  return {
    ...extra,
    'content-length': String(Buffer.byteLength(body)),
    'content-type': extra['content-type'] ?? 'text/plain',
  };
}
