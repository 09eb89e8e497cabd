import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from './certificate-authority.js';
import { createCsr } from './csr.js';
import { generateWorkloadKey } from './keys.js';
import { istioIdentity, parseSpiffeId } from './spiffe-id.js';
import { SvidError, type SvidErrorCode } from './svid-error.js';
import { EKU, forge, forgeCa, forgeLeaf, KU, type Forged } from './testing/forge.js';
import { TrustBundle } from './trust-bundle.js';
import { verifyPeerSvid } from './verify-peer.js';
import { verifySvidChain, type SvidChainOptions } from './verify-chain.js';

const reviews = istioIdentity('cluster.local', 'bookinfo', 'reviews');
const ratings = istioIdentity('cluster.local', 'bookinfo', 'ratings');
const DAY = 86_400_000;

function codeOf(fn: () => unknown): SvidErrorCode | 'OK' {
  try {
    fn();
    return 'OK';
  } catch (err) {
    if (err instanceof SvidError) return err.code;
    throw err;
  }
}

interface Row {
  readonly name: string;
  readonly chain: () => Promise<readonly string[]>;
  readonly opts?: SvidChainOptions;
  readonly code: SvidErrorCode;
  /** Also a leaf-only rule, so verifyPeerSvid must report it too. */
  readonly leafRule?: boolean;
}

let root: Forged;
let inter: Forged;
let foreignRoot: Forged;
let bundle: TrustBundle;

beforeAll(async () => {
  root = await forgeCa('CN=mesh root,O=cluster.local');
  inter = await forgeCa('CN=mesh intermediate', { issuer: root });
  foreignRoot = await forgeCa('CN=foreign root');
  bundle = new TrustBundle([root.pem]);
});

const leafChain =
  (uri: string, opts: Parameters<typeof forgeLeaf>[2] = {}) =>
  async (): Promise<readonly string[]> => [
    (await forgeLeaf(inter, uri, opts)).pem,
    inter.pem,
    root.pem,
  ];

const rows: readonly Row[] = [
  // The eight the issue names, each with its own code.
  {
    name: 'a leaf from another trust domain',
    chain: leafChain('spiffe://clusterset.local/ns/bookinfo/sa/reviews'),
    opts: { trustDomain: 'cluster.local' },
    code: 'WRONG_TRUST_DOMAIN',
    leafRule: true,
  },
  {
    name: 'two URI SANs',
    chain: leafChain(reviews.uri, { uriSans: [reviews.uri, ratings.uri] }),
    code: 'MULTIPLE_URI_SANS',
    leafRule: true,
  },
  {
    name: 'a CA leaf',
    chain: leafChain(reviews.uri, { ca: true }),
    code: 'LEAF_IS_CA',
    leafRule: true,
  },
  {
    name: 'an expired leaf',
    chain: leafChain(reviews.uri, {
      notBefore: new Date(Date.now() - 3 * DAY),
      notAfter: new Date(Date.now() - DAY),
    }),
    code: 'EXPIRED',
    leafRule: true,
  },
  {
    name: 'a not-yet-valid leaf',
    chain: leafChain(reviews.uri, {
      notBefore: new Date(Date.now() + DAY),
      notAfter: new Date(Date.now() + 2 * DAY),
    }),
    code: 'NOT_YET_VALID',
    leafRule: true,
  },
  {
    name: 'a chain to a foreign root',
    chain: async () => [(await forgeLeaf(foreignRoot, reviews.uri)).pem, foreignRoot.pem],
    code: 'UNTRUSTED_ROOT',
  },
  {
    name: 'no URI SAN (DNS SAN only)',
    chain: leafChain(reviews.uri, {
      uriSans: [],
      dnsSans: ['reviews.bookinfo.svc'],
      subject: 'CN=reviews',
    }),
    code: 'NO_URI_SAN',
    leafRule: true,
  },
  {
    name: 'an identity other than expected',
    chain: leafChain(reviews.uri),
    opts: { expected: [ratings] },
    code: 'IDENTITY_MISMATCH',
    leafRule: true,
  },
  // The rest of the X509-SVID rules.
  {
    name: 'no extensions at all (no SAN)',
    chain: leafChain(reviews.uri, {
      uriSans: [],
      subject: 'CN=x',
      ca: undefined,
      keyUsage: null,
      eku: null,
    }),
    code: 'NO_URI_SAN',
    leafRule: true,
  },
  {
    name: 'a NUL byte inside the URI SAN',
    chain: leafChain(`${reviews.uri}\0.evil`),
    code: 'NUL_IN_SAN',
    leafRule: true,
  },
  {
    name: 'an uppercase trust domain in the SAN',
    chain: leafChain('spiffe://Cluster.Local/ns/a/sa/b'),
    code: 'INVALID_SPIFFE_ID',
    leafRule: true,
  },
  {
    name: 'an https URI SAN',
    chain: leafChain('https://reviews.bookinfo'),
    code: 'INVALID_SPIFFE_ID',
    leafRule: true,
  },
  {
    name: 'a dot-dot segment in the SAN',
    chain: leafChain('spiffe://cluster.local/ns/../sa/b'),
    code: 'INVALID_SPIFFE_ID',
    leafRule: true,
  },
  {
    name: 'a 2049-byte SPIFFE ID',
    chain: leafChain(
      `spiffe://cluster.local/${'a'.repeat(2049 - 'spiffe://cluster.local/'.length)}`,
    ),
    code: 'INVALID_SPIFFE_ID',
    leafRule: true,
  },
  {
    name: 'a root-path ID (spiffe://td)',
    chain: leafChain('spiffe://cluster.local'),
    code: 'ROOT_PATH_ID',
    leafRule: true,
  },
  {
    name: 'an empty subject with a non-critical SAN',
    chain: leafChain(reviews.uri, { sanCritical: false }),
    code: 'SAN_NOT_CRITICAL',
    leafRule: true,
  },
  {
    name: 'no keyUsage',
    chain: leafChain(reviews.uri, { keyUsage: null }),
    code: 'MISSING_KEY_USAGE',
    leafRule: true,
  },
  {
    name: 'keyUsage without digitalSignature',
    chain: leafChain(reviews.uri, { keyUsage: KU.keyEncipherment }),
    code: 'MISSING_DIGITAL_SIGNATURE',
    leafRule: true,
  },
  {
    name: 'a leaf with keyCertSign',
    chain: leafChain(reviews.uri, { keyUsage: KU.digitalSignature | KU.keyCertSign }),
    code: 'LEAF_CAN_SIGN',
    leafRule: true,
  },
  {
    name: 'a leaf with cRLSign',
    chain: leafChain(reviews.uri, { keyUsage: KU.digitalSignature | KU.cRLSign }),
    code: 'LEAF_CAN_SIGN',
    leafRule: true,
  },
  {
    name: 'extKeyUsage serverAuth only',
    chain: leafChain(reviews.uri, { eku: [EKU.serverAuth] }),
    code: 'BAD_EXTENDED_KEY_USAGE',
    leafRule: true,
  },
  // Path validation.
  {
    name: 'a tampered leaf signature',
    chain: async () => {
      const leaf = await forgeLeaf(inter, reviews.uri);
      const der = Buffer.from(leaf.node.raw);
      const at = der.length - 10;
      der[at] = (der[at] ?? 0) ^ 0xff;
      return [new X509Certificate(der).toString(), inter.pem, root.pem];
    },
    code: 'BAD_SIGNATURE',
  },
  {
    name: 'a foreign root that copies the trusted root name',
    chain: async () => {
      const impostor = await forgeCa('CN=mesh root,O=cluster.local');
      return [(await forgeLeaf(impostor, reviews.uri)).pem];
    },
    code: 'BAD_SIGNATURE',
  },
  {
    name: 'a leaf whose intermediate is missing',
    chain: async () => [(await forgeLeaf(inter, reviews.uri)).pem],
    code: 'UNTRUSTED_ROOT',
  },
  {
    name: 'an intermediate that is not a CA',
    chain: async () => {
      const notCa = await forge({
        issuer: root,
        subject: 'CN=not a ca',
        ca: false,
        keyUsage: KU.keyCertSign,
      });
      return [(await forgeLeaf(notCa, reviews.uri)).pem, notCa.pem, root.pem];
    },
    code: 'INTERMEDIATE_NOT_CA',
  },
  {
    name: 'an intermediate CA without keyCertSign',
    chain: async () => {
      const noSign = await forgeCa('CN=no certsign', {
        issuer: root,
        keyUsage: KU.digitalSignature,
      });
      return [(await forgeLeaf(noSign, reviews.uri)).pem, noSign.pem, root.pem];
    },
    code: 'INTERMEDIATE_NOT_CA',
  },
  {
    name: 'an expired intermediate',
    chain: async () => {
      const old = await forgeCa('CN=old intermediate', {
        issuer: root,
        notBefore: new Date(Date.now() - 3 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
      return [(await forgeLeaf(old, reviews.uri)).pem, old.pem, root.pem];
    },
    code: 'EXPIRED',
  },
  {
    name: 'a pathLenConstraint of 0 with a sub-intermediate',
    chain: async () => {
      const limited = await forgeCa('CN=limited', { issuer: root, pathLength: 0 });
      const sub = await forgeCa('CN=sub', { issuer: limited });
      return [(await forgeLeaf(sub, reviews.uri)).pem, sub.pem, limited.pem, root.pem];
    },
    code: 'PATH_LENGTH_EXCEEDED',
  },
  {
    name: 'more than eight intermediates',
    chain: async () => {
      const chain: Forged[] = [];
      let issuer = root;
      for (let i = 0; i < 9; i++) {
        issuer = await forgeCa(`CN=level ${i}`, { issuer });
        chain.unshift(issuer);
      }
      return [(await forgeLeaf(issuer, reviews.uri)).pem, ...chain.map((c) => c.pem)];
    },
    code: 'CHAIN_TOO_LONG',
  },
  { name: 'an empty chain', chain: () => Promise.resolve([]), code: 'EMPTY_CHAIN' },
  {
    name: 'garbage instead of PEM',
    chain: () => Promise.resolve(['hello']),
    code: 'BAD_CERTIFICATE',
  },
];

describe('X.509-SVID chain verification: each failure has its own code', () => {
  it.each(rows.map((r) => [r.name, r] as const))('rejects %s', async (_name, row) => {
    const chain = await row.chain();
    expect(codeOf(() => verifySvidChain(chain, bundle, row.opts))).toBe(row.code);
    if (row.leafRule) {
      // verifyPeerSvid enforces the same leaf rules on a handshake-verified peer.
      expect(codeOf(() => verifyPeerSvid(new X509Certificate(chain[0]!), row.opts))).toBe(row.code);
    }
  });

  it('gives the eight named failures eight distinct codes', () => {
    const codes = rows.slice(0, 8).map((r) => r.code);
    expect(new Set(codes).size).toBe(8);
  });

  it('says what to check in the message', async () => {
    const chain = await rows[5]!.chain();
    expect(() => verifySvidChain(chain, bundle)).toThrow(
      /does not chain to a trusted root for cluster.local/,
    );
    const expired = await rows[3]!.chain();
    expect(() => verifySvidChain(expired, bundle)).toThrow(
      /expired at .*check certificate renewal/,
    );
  });
});

describe('X.509-SVID chain verification: accepted chains', () => {
  it('accepts leaf + intermediate + root and returns the identity', async () => {
    const chain = await leafChain(reviews.uri)();
    const id = verifySvidChain(chain, bundle, {
      trustDomain: 'cluster.local',
      expected: [ratings, reviews],
    });
    expect(id.uri).toBe(reviews.uri);
    expect(id.serviceAccount).toBe('reviews');
  });

  it('accepts a chain without the root, one PEM string holding all, or Node certificates', async () => {
    const [leaf, intermediate] = await leafChain(reviews.uri)();
    expect(verifySvidChain([leaf!, intermediate!], bundle).uri).toBe(reviews.uri);
    expect(verifySvidChain([leaf! + intermediate!], bundle).uri).toBe(reviews.uri);
    const nodes = [new X509Certificate(leaf!), new X509Certificate(intermediate!)];
    expect(verifySvidChain(nodes, bundle).uri).toBe(reviews.uri);
  });

  it('accepts a chain issued by our CA (leaf..root as cert_chain)', async () => {
    const ca = await CertificateAuthority.fromPlugin({
      caCertPem: inter.pem,
      caKeyPem: inter.key.privateKeyPem,
      rootCertPem: root.pem,
    });
    const chain = await ca.sign(await createCsr(reviews, await generateWorkloadKey()), {
      identity: reviews,
    });
    expect(verifySvidChain(chain, ca.trustBundle, { trustDomain: 'cluster.local' }).uri).toBe(
      reviews.uri,
    );
  });

  it('checks the time window at the given instant', async () => {
    const chain = await leafChain(reviews.uri)();
    expect(
      codeOf(() => verifySvidChain(chain, bundle, { now: new Date(Date.now() + 2 * DAY) })),
    ).toBe('EXPIRED');
  });

  it('anchors with any root of a rotated bundle, even when two roots share a name', async () => {
    const newRoot = await forgeCa('CN=mesh root,O=cluster.local');
    const both = new TrustBundle([root.pem, newRoot.pem]);
    expect(verifySvidChain([(await forgeLeaf(newRoot, reviews.uri)).pem], both).uri).toBe(
      reviews.uri,
    );
    expect(verifySvidChain(await leafChain(reviews.uri)(), both).uri).toBe(reviews.uri);
  });
});

describe('trust bundles scoped per trust domain', () => {
  it('uses a federated root only for its own trust domain', async () => {
    const federated = bundle.merge(new TrustBundle([foreignRoot.pem], 'partner.example'));
    const partner = parseSpiffeId('spiffe://partner.example/billing');
    const partnerLeaf = (await forgeLeaf(foreignRoot, partner.uri)).pem;
    expect(verifySvidChain([partnerLeaf], federated).uri).toBe(partner.uri);
    // The partner root must not vouch for a cluster.local identity.
    const spoof = (await forgeLeaf(foreignRoot, reviews.uri)).pem;
    expect(codeOf(() => verifySvidChain([spoof], federated))).toBe('UNTRUSTED_ROOT');
    // And an unscoped bundle without the partner root rejects the partner.
    expect(codeOf(() => verifySvidChain([partnerLeaf], bundle))).toBe('UNTRUSTED_ROOT');
  });

  it('lists roots once and refuses a non-CA root', async () => {
    const b = new TrustBundle([root.pem, root.pem + foreignRoot.pem]);
    expect(b.pems).toEqual([root.pem, foreignRoot.pem]);
    expect(b.certificates).toHaveLength(2);
    const leaf = await forgeLeaf(root, reviews.uri);
    expect(() => new TrustBundle([leaf.pem])).toThrow(SvidError);
    expect(() => new TrustBundle(['nothing here'])).toThrow(/holds no PEM certificate/);
    expect(() => new TrustBundle([root.pem], 'Bad_TD')).toThrow(/trust domain/);
  });
});
