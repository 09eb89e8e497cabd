// Fuzz: SPIFFE IDs as they arrive in peer certificates and CA requests. Any
// string is either refused with SpiffeIdError or accepted as an ID that obeys
// every rule of the SPIFFE-ID standard (reliability.md §5.1) and reads back to
// itself; an Istio-form ID's namespace and service account are exactly its
// path segments.
import { fuzz, fuzzTimeoutMs } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SPIFFE_ID_BYTES,
  MAX_TRUST_DOMAIN_BYTES,
  parseIstioIdentity,
  parseSpiffeId,
  SpiffeIdError,
} from './spiffe-id.js';

const piece = fc.constantFrom(
  'spiffe://',
  'SPIFFE://',
  'spiffe:/',
  'cluster.local',
  'Cluster.Local',
  'td',
  '/',
  '//',
  '.',
  '..',
  'ns',
  'sa',
  'default',
  'a-b_c.d',
  '%2F',
  '%00',
  '\u0000',
  '?',
  '#',
  '@',
  ':',
  ':8080',
  '[::1]',
  'user@',
  ' ',
  'é',
  '\uD800',
  '*',
  'x'.repeat(250),
  'y'.repeat(2040),
);
const nearId = fc.oneof(
  fc.array(piece, { maxLength: 10 }).map((p) => p.join('')),
  fc
    .tuple(fc.domain(), fc.array(fc.webSegment(), { maxLength: 4 }))
    .map(([td, segs]) => `spiffe://${td}${segs.map((s) => `/${s}`).join('')}`),
  fc.string({ maxLength: 60 }).map((s) => `spiffe://cluster.local/ns/${s}/sa/x`),
  fc.string({ maxLength: 80 }),
);

const TD_CHARS = /^[a-z0-9._-]+$/;
const SEGMENT = /^[a-zA-Z0-9._-]+$/;

function obeysTheStandard(text: string): void {
  let id;
  try {
    id = parseSpiffeId(text);
  } catch (err) {
    if (!(err instanceof SpiffeIdError)) throw err;
    return;
  }
  expect(id.uri).toBe(text);
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_SPIFFE_ID_BYTES);
  expect(text.startsWith('spiffe://')).toBe(true);
  expect(id.trustDomain).toMatch(TD_CHARS);
  expect(Buffer.byteLength(id.trustDomain)).toBeLessThanOrEqual(MAX_TRUST_DOMAIN_BYTES);
  expect(`spiffe://${id.trustDomain}${id.path}`).toBe(text);
  if (id.path !== '') {
    for (const seg of id.path.split('/').slice(1)) {
      expect(seg).toMatch(SEGMENT);
      expect(['.', '..']).not.toContain(seg);
    }
  }
  expect(parseSpiffeId(id.uri)).toEqual(id);
  if (id.namespace !== undefined) {
    const istio = parseIstioIdentity(text);
    expect(id.path).toBe(`/ns/${istio.namespace}/sa/${istio.serviceAccount}`);
  }
}

describe('SPIFFE IDs (fuzz)', () => {
  it(
    'any string is refused with SpiffeIdError or accepted as a standard-conforming ID',
    () => fuzz('spiffe: SPIFFE ID parse', fc.property(nearId, obeysTheStandard)),
    fuzzTimeoutMs(),
  );
});
