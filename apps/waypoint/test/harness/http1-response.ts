// Reads one HTTP/1.1 response off the front of a byte buffer, for a client
// that keeps its connection and sends the next request when this response
// is complete. Pure: the caller owns the socket and the buffer. Only what a
// response to GET can carry: a Content-Length body, a chunked body, or none
// (1xx/204/304), so a response delimited by the connection closing is refused.

export class Http1ResponseError extends Error {
  override readonly name = 'Http1ResponseError';
}

export interface Http1Response {
  readonly status: number;
  /** Lower-cased names; repeated fields joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** False when the server said `Connection: close`. */
  readonly keepAlive: boolean;
  /** Bytes of `buf` this response took. */
  readonly consumed: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const MAX_HEAD = 64 * 1024;

/** The response at the start of `buf`, or undefined while it is incomplete. */
export function readHttp1Response(buf: Buffer): Http1Response | undefined {
  const headEnd = buf.indexOf(HEAD_END);
  if (headEnd < 0) {
    if (buf.length > MAX_HEAD) throw new Http1ResponseError('response head larger than 64 KiB');
    return undefined;
  }
  const [statusLine = '', ...fields] = buf.toString('latin1', 0, headEnd).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
  if (!m)
    throw new Http1ResponseError(`not an HTTP/1.x status line: ${JSON.stringify(statusLine)}`);
  const status = Number(m[1]);
  const headers: Record<string, string> = {};
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon <= 0)
      throw new Http1ResponseError(`malformed header field: ${JSON.stringify(field)}`);
    const name = field.slice(0, colon).trim().toLowerCase();
    const value = field.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const keepAlive = !/(^|,)\s*close\s*(,|$)/i.test(headers.connection ?? '');
  const bodyStart = headEnd + HEAD_END.length;
  const done = (body: Buffer, consumed: number): Http1Response => ({
    status,
    headers,
    body,
    keepAlive,
    consumed,
  });

  if (status < 200 || status === 204 || status === 304) return done(Buffer.alloc(0), bodyStart);
  if (/(^|,)\s*chunked\s*$/i.test(headers['transfer-encoding'] ?? '')) {
    return readChunked(buf, bodyStart, done);
  }
  const length = headers['content-length'];
  if (length === undefined) {
    throw new Http1ResponseError('response has neither Content-Length nor chunked encoding');
  }
  if (!/^\d+$/.test(length)) throw new Http1ResponseError(`bad Content-Length: ${length}`);
  const end = bodyStart + Number(length);
  return buf.length < end ? undefined : done(buf.subarray(bodyStart, end), end);
}

function readChunked(
  buf: Buffer,
  from: number,
  done: (body: Buffer, consumed: number) => Http1Response,
): Http1Response | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = buf.indexOf(CRLF, at);
    if (lineEnd < 0) return undefined;
    // Chunk extensions (";name=value") carry nothing we need.
    const sizeText = buf.toString('latin1', at, lineEnd).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-f]+$/i.test(sizeText)) {
      throw new Http1ResponseError(`bad chunk size: ${JSON.stringify(sizeText)}`);
    }
    const size = parseInt(sizeText, 16);
    at = lineEnd + CRLF.length;
    if (size === 0) {
      // Trailer fields, then an empty line.
      for (;;) {
        const end = buf.indexOf(CRLF, at);
        if (end < 0) return undefined;
        const empty = end === at;
        at = end + CRLF.length;
        if (empty) return done(Buffer.concat(parts), at);
      }
    }
    if (buf.length < at + size + CRLF.length) return undefined;
    parts.push(buf.subarray(at, at + size));
    at += size;
    if (!buf.subarray(at, at + CRLF.length).equals(CRLF)) {
      throw new Http1ResponseError('chunk not followed by CRLF');
    }
    at += CRLF.length;
  }
}
