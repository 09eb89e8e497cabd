// Fuzz: the CSR a workload (or an attacker with a token) sends the CA. A valid
// P-256 CSR with bytes overwritten, cut or extended, a different PEM label, or
// any text at all is either refused with CaError (BAD_CSR, CSR_SIGNATURE,
// UNSUPPORTED_CSR_KEY) or signed into a leaf that carries exactly one URI SAN:
// the identity the CA was asked for, never what the CSR requested.
import { X509Certificate } from 'node:crypto';
import { fuzz, fuzzTimeoutMs } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaError } from './ca-error.js';
import { CertificateAuthority } from './certificate-authority.js';
import { createCsr } from './csr.js';
import { generateWorkloadKey } from './keys.js';
import { istioIdentity } from './spiffe-id.js';

const granted = istioIdentity('cluster.local', 'default', 'sleep');
let ca: CertificateAuthority;
let der: Buffer;

beforeAll(async () => {
  ca = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
  const pem = await createCsr(
    istioIdentity('cluster.local', 'kube-system', 'admin'),
    await generateWorkloadKey(),
  );
  der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
}, 60_000);

function pem(bytes: Uint8Array, label = 'CERTIFICATE REQUEST'): string {
  const b64 = Buffer.from(bytes).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

const csrText = fc.oneof(
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 })
    .map((edits) => {
      const bytes = Buffer.from(der);
      for (const [at, b] of edits) bytes[at % bytes.length] = b;
      return pem(bytes);
    }),
  fc.nat().map((n) => pem(der.subarray(0, n % der.length))),
  fc.uint8Array({ maxLength: 16 }).map((tail) => pem(Buffer.concat([der, tail]))),
  fc.constantFrom('NEW CERTIFICATE REQUEST', 'CERTIFICATE', 'PRIVATE KEY').map((l) => pem(der, l)),
  fc.uint8Array({ maxLength: 200 }).map((b) => pem(b)),
  fc.string({ maxLength: 100 }),
);

describe('CSRs at the CA (fuzz)', () => {
  it(
    'any CSR text is refused with CaError or signed for the granted identity only',
    () =>
      fuzz(
        'spiffe: CSR → CA sign',
        fc.asyncProperty(csrText, async (text) => {
          let chain: string[];
          try {
            chain = await ca.sign(text, { identity: granted, ttlSeconds: 3600 });
          } catch (err) {
            if (!(err instanceof CaError)) throw err;
            expect(['BAD_CSR', 'CSR_SIGNATURE', 'UNSUPPORTED_CSR_KEY']).toContain(err.code);
            return;
          }
          const leaf = new X509Certificate(chain[0] ?? '');
          expect(leaf.subjectAltName).toBe(`URI:${granted.uri}`);
          expect(leaf.ca).toBe(false);
        }),
        { runs: 150 },
      ),
    fuzzTimeoutMs(),
  );
});
