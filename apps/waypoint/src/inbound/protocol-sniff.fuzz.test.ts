// Fuzz: the first bytes of a tunnel's plaintext, which decide whether the
// waypoint hands the connection to node:http2 or node:http. On a real loopback
// socket, any bytes in any chunking are classified h2 exactly when they start
// with the HTTP/2 preface, and every byte is put back for the chosen parser
// (none lost, none duplicated, order kept).
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fuzz, fuzzTimeoutMs } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectProtocol, H2_PREFACE, sniffProtocol } from './protocol-sniff.js';

let server: Server;
let port = 0;
let onSocket: (s: Socket) => void = () => undefined;

beforeAll(async () => {
  server = createServer({ allowHalfOpen: true }, (s) => {
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(
  () =>
    new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    ),
);

const bytes = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 80 }).map((b) => Buffer.from(b)),
  fc
    .tuple(fc.nat(H2_PREFACE.length), fc.uint8Array({ maxLength: 40 }))
    .map(([n, tail]) => Buffer.concat([H2_PREFACE.subarray(0, n), Buffer.from(tail)])),
  fc
    .constantFrom('GET / HTTP/1.1\r\nhost: a\r\n\r\n', 'PRI * HTTP/1.1\r\n\r\n')
    .map((t) => Buffer.from(t)),
);

function sniffOnSocket(data: Buffer, cuts: number[]): Promise<{ protocol: string; got: Buffer }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('no decision'));
    }, 3000);
    onSocket = (s) => {
      const chunks: Buffer[] = [];
      let protocol = 'undecided';
      detectProtocol(s, (p) => {
        protocol = p;
        s.on('data', (c: Buffer) => chunks.push(c));
        s.resume();
      });
      s.on('end', () => {
        clearTimeout(timer);
        resolve({ protocol, got: Buffer.concat(chunks) });
        s.end();
      });
      s.on('close', () => {
        clearTimeout(timer);
        resolve({ protocol, got: Buffer.concat(chunks) });
      });
    };
    const c = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      let at = 0;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        const end = Math.min(cut, data.length);
        if (end > at) c.write(data.subarray(at, end));
        at = Math.max(at, end);
      }
      c.end(data.subarray(at));
    });
    c.on('error', () => undefined);
    c.resume();
  });
}

describe('HTTP version sniffing at the waypoint (fuzz)', () => {
  it(
    'classifies by the preface and puts back every byte in order',
    () =>
      fuzz(
        'waypoint: protocol sniff',
        fc.asyncProperty(bytes, fc.array(fc.nat(80), { maxLength: 4 }), async (data, cuts) => {
          const expected = sniffProtocol(data);
          const { protocol, got } = await sniffOnSocket(data, cuts);
          if (expected === undefined) {
            // A strict prefix of the preface, then EOF: nothing to serve, connection dropped.
            expect(protocol).toBe('undecided');
            return;
          }
          expect(protocol).toBe(
            data.subarray(0, H2_PREFACE.length).equals(H2_PREFACE) ? 'h2' : 'http1',
          );
          expect(got.equals(data)).toBe(true);
        }),
        { runs: 100 },
      ),
    fuzzTimeoutMs(),
  );
});
