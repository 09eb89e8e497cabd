import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { certFacts, certFactsCacheSize } from './cert-facts.js';
import { CertificateAuthority } from './certificate-authority.js';
import { createCsr } from './csr.js';
import { generateWorkloadKey } from './keys.js';
import { istioIdentity } from './spiffe-id.js';
import { SvidError } from './svid-error.js';
import { forgeCa, forgeLeaf } from './testing/forge.js';
import { verifyPeerSvid } from './verify-peer.js';

const reviews = istioIdentity('cluster.local', 'bookinfo', 'reviews');
const ratings = istioIdentity('cluster.local', 'bookinfo', 'ratings');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SvidError) return err.code;
    throw err;
  }
  return undefined;
}

describe('verifyPeerSvid (post-handshake check)', () => {
  let leaf: X509Certificate;
  beforeAll(async () => {
    const ca = await CertificateAuthority.selfSigned();
    const chain = await ca.sign(await createCsr(reviews, await generateWorkloadKey()), {
      identity: reviews,
    });
    leaf = new X509Certificate(chain[0]!);
  });

  it('returns the peer identity', () => {
    const id = verifyPeerSvid(leaf);
    expect(id.uri).toBe(reviews.uri);
    expect(id.namespace).toBe('bookinfo');
    expect(id.serviceAccount).toBe('reviews');
  });

  it('accepts the expected trust domain and an expected identity from a set', () => {
    expect(
      verifyPeerSvid(leaf, { trustDomain: 'cluster.local', expected: [ratings, reviews] }).uri,
    ).toBe(reviews.uri);
  });

  it('rejects another trust domain', () => {
    expect(codeOf(() => verifyPeerSvid(leaf, { trustDomain: 'clusterset.local' }))).toBe(
      'WRONG_TRUST_DOMAIN',
    );
  });

  it('rejects an identity not in the expected set, and an empty expected set', () => {
    expect(codeOf(() => verifyPeerSvid(leaf, { expected: [ratings] }))).toBe('IDENTITY_MISMATCH');
    expect(codeOf(() => verifyPeerSvid(leaf, { expected: [] }))).toBe('IDENTITY_MISMATCH');
  });

  it('checks the validity window at the given time', () => {
    const notAfter = new Date(leaf.validTo);
    const notBefore = new Date(leaf.validFrom);
    expect(codeOf(() => verifyPeerSvid(leaf, { now: new Date(notAfter.getTime() + 1000) }))).toBe(
      'EXPIRED',
    );
    expect(codeOf(() => verifyPeerSvid(leaf, { now: new Date(notBefore.getTime() - 1000) }))).toBe(
      'NOT_YET_VALID',
    );
  });

  it('parses a certificate once and answers later checks from the cache', () => {
    verifyPeerSvid(leaf);
    const size = certFactsCacheSize();
    // A separately parsed copy of the same certificate hits the same entry.
    verifyPeerSvid(new X509Certificate(leaf.raw));
    expect(certFactsCacheSize()).toBe(size);
    // PEM input resolves to the same cached facts object, repeat after repeat.
    const pem = leaf.toString();
    expect(certFacts(pem)).toBe(certFacts(leaf));
    expect(certFacts(pem)).toBe(certFacts(pem));
    expect(certFactsCacheSize()).toBe(size);
  });

  it('rejects leaves that break the SVID rules, every time (cached failures too)', async () => {
    const root = await forgeCa('CN=root');
    const twoSans = await forgeLeaf(root, reviews.uri, { uriSans: [reviews.uri, ratings.uri] });
    const caLeaf = await forgeLeaf(root, reviews.uri, { ca: true });
    const noSan = await forgeLeaf(root, reviews.uri, {
      uriSans: [],
      dnsSans: ['reviews.bookinfo'],
      subject: 'CN=reviews',
    });
    for (let i = 0; i < 2; i++) {
      expect(codeOf(() => verifyPeerSvid(twoSans.node))).toBe('MULTIPLE_URI_SANS');
      expect(codeOf(() => verifyPeerSvid(caLeaf.node))).toBe('LEAF_IS_CA');
      expect(codeOf(() => verifyPeerSvid(noSan.node))).toBe('NO_URI_SAN');
    }
  });
});
