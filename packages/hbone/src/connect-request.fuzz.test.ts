// Fuzz: what a peer controls on the HBONE port — the CONNECT :authority and
// the request's header list. parseAuthority either refuses with
// AuthorityError or returns a canonical target that parses back to itself
// (so the socket the server opens is the one the text names, and only one
// text per target is ever logged/compared). classifyRequest never throws,
// and only ever accepts a CONNECT without :scheme/:path/:protocol whose
// target is what parseAuthority makes of its :authority.
import { isIPv4, isIPv6 } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http2';
import { fuzz, fuzzTimeoutMs } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuthority } from './authority.js';
import { classifyRequest } from './connect-request.js';
import { AuthorityError } from './errors.js';

/** Pieces authorities are made of, so generated strings are often almost valid. */
const piece = fc.constantFrom(
  '10',
  '0',
  '255',
  '256',
  '01',
  '.',
  ':',
  '::',
  '[',
  ']',
  '%',
  'eth0',
  'ffff',
  'FFFF',
  'fe80',
  '1.2.3.4',
  '::ffff:',
  '15008',
  '65535',
  '65536',
  '0',
  ' ',
  '\u0000',
  '-',
  '+1',
  '1e3',
  'localhost',
);
const nearAuthority = fc.oneof(
  fc.array(piece, { maxLength: 10 }).map((p) => p.join('')),
  fc.tuple(fc.ipV4(), fc.integer({ min: -1, max: 70000 })).map(([ip, port]) => `${ip}:${port}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: -1, max: 70000 })).map(([ip, port]) => `[${ip}]:${port}`),
  fc.tuple(fc.ipV4Extended(), fc.nat(65535)).map(([ip, port]) => `${ip}:${port}`),
  fc.string({ maxLength: 80 }),
);

function parsesCanonically(text: string): void {
  let target;
  try {
    target = parseAuthority(text);
  } catch (err) {
    if (!(err instanceof AuthorityError)) throw err;
    return;
  }
  expect(target.family === 4 ? isIPv4(target.ip) : isIPv6(target.ip)).toBe(true);
  expect(target.ip).not.toContain('%');
  expect(Number.isInteger(target.port) && target.port >= 1 && target.port <= 65535).toBe(true);
  expect(parseAuthority(target.authority)).toEqual(target);
}

const headerValue = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 20 }),
  nearAuthority,
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }),
);
const headers: fc.Arbitrary<IncomingHttpHeaders> = fc
  .record(
    {
      ':method': fc.oneof(
        fc.constantFrom('CONNECT', 'connect', 'GET', 'POST', ''),
        fc.string({ maxLength: 8 }),
      ),
      ':authority': headerValue,
      ':scheme': headerValue,
      ':path': headerValue,
      ':protocol': headerValue,
      extra: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), {
        maxKeys: 3,
      }),
    },
    { requiredKeys: [':method'] },
  )
  .map(({ extra, ...pseudo }) => ({ ...extra, ...pseudo }) as IncomingHttpHeaders);

describe('HBONE CONNECT input (fuzz)', () => {
  it(
    'an authority parses to a canonical target that parses back to itself, or is refused',
    () => fuzz('hbone: CONNECT :authority', fc.property(nearAuthority, parsesCanonically)),
    fuzzTimeoutMs(),
  );

  it(
    'a request is classified without throwing, and only a clean CONNECT is let through',
    () =>
      fuzz(
        'hbone: CONNECT request headers',
        fc.property(headers, fc.nat(300), (h, max) => {
          const verdict = classifyRequest(h, { maxHeaderListBytes: max + 32 });
          if (verdict.kind !== 'connect') return;
          expect(h[':method']).toBe('CONNECT');
          for (const p of [':scheme', ':path', ':protocol']) expect(h[p]).toBeUndefined();
          expect(verdict.target).toEqual(parseAuthority(h[':authority'] as string));
        }),
      ),
    fuzzTimeoutMs(),
  );
});
