// CA signing throughput: `npx tsx src/testing/sign-bench.ts [count]` from packages/spiffe.
// Signs pre-made ECDSA P-256 CSRs (as ztunnel sends) with an RSA-2048 CA (istiod's
// self-signed default) and with an EC P-256 plug-in CA, sequentially and 16 at a time.
import { CertificateAuthority } from '../certificate-authority.js';
import { createCsr } from '../csr.js';
import { generateWorkloadKey } from '../keys.js';
import { istioIdentity } from '../spiffe-id.js';
import { forgeCa } from './forge.js';

const count = Number(process.argv[2] ?? 1000);
const ids = Array.from({ length: 64 }, (_, i) =>
  istioIdentity('cluster.local', 'bench', `sa-${i}`),
);
const csrs = await Promise.all(ids.map(async (id) => createCsr(id, await generateWorkloadKey())));

function signOne(ca: CertificateAuthority, i: number): Promise<string[]> {
  const n = i % ids.length;
  return ca.sign(csrs[n] ?? '', {
    identity: ids[n] ?? ids[0] ?? istioIdentity('cluster.local', 'x', 'y'),
  });
}

async function run(label: string, ca: CertificateAuthority): Promise<void> {
  for (let i = 0; i < 50; i++) await signOne(ca, i); // warm-up
  let t = performance.now();
  for (let i = 0; i < count; i++) await signOne(ca, i);
  const seq = count / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < count; i += 16) {
    await Promise.all(
      Array.from({ length: Math.min(16, count - i) }, (_, j) => signOne(ca, i + j)),
    );
  }
  const par = count / ((performance.now() - t) / 1000);
  console.log(
    `${label}: ${seq.toFixed(0)} CSR/s sequential, ${par.toFixed(0)} CSR/s with 16 in flight`,
  );
}

await run('RSA-2048 self-signed CA', await CertificateAuthority.selfSigned());
const ecRoot = await forgeCa('CN=bench EC root');
await run(
  'EC P-256 plug-in CA',
  await CertificateAuthority.fromPlugin({
    caCertPem: ecRoot.pem,
    caKeyPem: ecRoot.key.privateKeyPem,
    rootCertPem: ecRoot.pem,
  }),
);
