// The CA signing core: holds the issuing key (imported once) and chain, and
// turns a CSR into a workload leaf shaped like istiod's.
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CaError } from './ca-error.js';
import { orderIssuingChain, readCertificates, requireSigningCa } from './ca-chain.js';
import { systemClock, type Clock } from './clock.js';
import { formatGoDuration } from './go-duration.js';
import { keyIdentifier } from './key-id.js';
import { generateRsaKey, importKeyPair, KeyError, type ImportedKeyPair } from './keys.js';
import { checkCsr, LeafBuilder } from './leaf-builder.js';
import { normalisePem } from './pem.js';
import type { SpiffeId } from './spiffe-id.js';
import { TrustBundle } from './trust-bundle.js';
import { x509 } from './x509.js';

/** istiod DEFAULT_WORKLOAD_CERT_TTL. */
export const DEFAULT_WORKLOAD_TTL_SECONDS = 24 * 3600;
/** istiod MAX_WORKLOAD_CERT_TTL. */
export const MAX_WORKLOAD_TTL_SECONDS = 90 * 24 * 3600;
/** istiod CITADEL_SELF_SIGNED_CA_CERT_TTL. */
export const SELF_SIGNED_ROOT_DAYS = 3650;
/** istiod backdates leaves by this much to absorb clock skew (ClockSkewGracePeriod). */
export const CLOCK_SKEW_GRACE_MS = 2 * 60 * 1000;

export interface CaOptions {
  readonly clock?: Clock;
  readonly defaultTtlSeconds?: number;
  readonly maxTtlSeconds?: number;
}

export interface PluginCaFiles {
  readonly caCertPem: string;
  readonly caKeyPem: string;
  /** Intermediates (may also repeat ca-cert and the root; both are tolerated). */
  readonly certChainPem?: string;
  readonly rootCertPem: string;
}

export interface SignOptions {
  readonly identity: SpiffeId;
  /** <= 0 or absent: the default (24 h). Above the max (90 days): CaError TTL_TOO_LONG. */
  readonly ttlSeconds?: number;
}

const PLUGIN_FILES = {
  caCertPem: 'ca-cert.pem',
  caKeyPem: 'ca-key.pem',
  certChainPem: 'cert-chain.pem',
  rootCertPem: 'root-cert.pem',
} as const;

function randomSerialHex(): string {
  const bytes = randomBytes(16);
  // Positive and non-zero leading byte, so the DER INTEGER is exactly 16 bytes.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

async function wrapKeyErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KeyError) throw new CaError(err.code, err.message);
    throw err;
  }
}

export class CertificateAuthority {
  readonly #caKeyPem: string;
  /** Encodes and signs leaves; holds the CA key, imported once. */
  readonly #leaves: LeafBuilder;
  /** [caCert, intermediates..., root] as PEM; the tail of every response. */
  readonly #issuingChainPems: readonly string[];
  readonly #certChainPem: string;
  readonly #clock: Clock;
  readonly #defaultTtl: number;
  readonly #maxTtl: number;

  readonly rootCertPem: string;
  readonly trustBundle: TrustBundle;

  private constructor(args: {
    key: ImportedKeyPair;
    caKeyPem: string;
    caCert: X509Certificate;
    issuingChain: readonly X509Certificate[];
    roots: readonly X509Certificate[];
    certChainPem: string;
    options: CaOptions;
  }) {
    this.#caKeyPem = args.caKeyPem;
    this.#issuingChainPems = Object.freeze(
      args.issuingChain.map((c) => normalisePem(c.toString())),
    );
    this.#certChainPem = args.certChainPem;
    this.#clock = args.options.clock ?? systemClock;
    this.#defaultTtl = args.options.defaultTtlSeconds ?? DEFAULT_WORKLOAD_TTL_SECONDS;
    this.#maxTtl = args.options.maxTtlSeconds ?? MAX_WORKLOAD_TTL_SECONDS;
    const rootPems = args.roots.map((r) => normalisePem(r.toString()));
    this.rootCertPem = rootPems.join('');
    this.trustBundle = new TrustBundle(rootPems);

    // Everything a leaf shares with every other leaf is encoded once here.
    const caCert = new x509.X509Certificate(args.caCert.raw);
    const caSki =
      caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ??
      keyIdentifier(args.caCert.publicKey);
    this.#leaves = new LeafBuilder({
      issuerNameDer: AsnConvert.serialize(
        AsnConvert.parse(args.caCert.raw, Certificate).tbsCertificate.subject,
      ),
      staticExtensionsDer: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension(
          [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        new x509.AuthorityKeyIdentifierExtension(caSki, false),
      ].map((e) => e.rawData),
      signingKey: args.key.privateKey,
    });
  }

  /** A new self-signed RSA-2048 root, as istiod makes when no `cacerts` Secret exists. */
  static async selfSigned(
    opts: { trustDomain?: string; org?: string; validityDays?: number } & CaOptions = {},
  ): Promise<CertificateAuthority> {
    const clock = opts.clock ?? systemClock;
    const org = opts.org ?? opts.trustDomain ?? 'cluster.local';
    const days = opts.validityDays ?? SELF_SIGNED_ROOT_DAYS;
    if (!(days > 0)) throw new CaError('BAD_OPTIONS', `validityDays must be positive, got ${days}`);
    const pair = await generateRsaKey(2048);
    const key = await importKeyPair(pair.privateKeyPem, 'self-signed root key');
    const publicKey = createPublicKey(key.privateKey);
    const notBefore = clock.now();
    const root = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialHex(),
      subject: [{ O: [org] }],
      issuer: [{ O: [org] }],
      notBefore,
      notAfter: new Date(notBefore.getTime() + days * 86_400_000),
      publicKey: key.spkiDer,
      signingKey: key.cryptoKeys.privateKey,
      signingAlgorithm: key.algorithm.sign,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        new x509.SubjectKeyIdentifierExtension(keyIdentifier(publicKey), false),
      ],
    });
    const rootNode = new X509Certificate(root.toString('pem'));
    // PKCS#1, as istiod writes the RSA key of istio-ca-secret.
    const caKeyPem = key.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    return new CertificateAuthority({
      key,
      caKeyPem,
      caCert: rootNode,
      issuingChain: [rootNode],
      roots: [rootNode],
      certChainPem: '',
      options: opts,
    });
  }

  /** A plug-in CA from PEM strings (the `cacerts` Secret keys). */
  static async fromPlugin(
    files: PluginCaFiles,
    options: CaOptions = {},
  ): Promise<CertificateAuthority> {
    const caCerts = readCertificates(files.caCertPem, PLUGIN_FILES.caCertPem);
    const caCert = caCerts[0];
    if (!caCert) throw new CaError('BAD_PEM', 'ca-cert.pem holds no PEM certificate');
    const roots = readCertificates(files.rootCertPem, PLUGIN_FILES.rootCertPem);
    if (roots.length === 0) throw new CaError('BAD_PEM', 'root-cert.pem holds no PEM certificate');
    for (const root of roots) requireSigningCa(root, 'root-cert.pem certificate');
    const chainCerts = [
      ...caCerts.slice(1),
      ...readCertificates(files.certChainPem ?? '', PLUGIN_FILES.certChainPem),
    ];
    requireSigningCa(caCert, 'ca-cert.pem');
    const key = await wrapKeyErrors(() => importKeyPair(files.caKeyPem, PLUGIN_FILES.caKeyPem));
    if (!caCert.checkPrivateKey(key.privateKey)) {
      throw new CaError(
        'KEY_MISMATCH',
        `ca-key.pem is not the private key of ca-cert.pem ("${caCert.subject}")`,
      );
    }
    const issuingChain = orderIssuingChain(caCert, chainCerts, roots);
    return new CertificateAuthority({
      key,
      caKeyPem: files.caKeyPem,
      caCert,
      issuingChain,
      roots,
      certChainPem: files.certChainPem ?? '',
      options,
    });
  }

  /** A plug-in CA from a directory holding ca-cert.pem, ca-key.pem, root-cert.pem and optionally cert-chain.pem. */
  static async fromPluginDir(dir: string, options: CaOptions = {}): Promise<CertificateAuthority> {
    const read = async (name: string, required: boolean): Promise<string | undefined> => {
      try {
        return await readFile(join(dir, name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) return undefined;
        throw new CaError(
          'MISSING_FILE',
          `cannot read ${join(dir, name)}: ${(err as Error).message}`,
        );
      }
    };
    const [caCertPem, caKeyPem, certChainPem, rootCertPem] = await Promise.all([
      read(PLUGIN_FILES.caCertPem, true),
      read(PLUGIN_FILES.caKeyPem, true),
      read(PLUGIN_FILES.certChainPem, false),
      read(PLUGIN_FILES.rootCertPem, true),
    ]);
    return CertificateAuthority.fromPlugin(
      {
        caCertPem: caCertPem ?? '',
        caKeyPem: caKeyPem ?? '',
        certChainPem,
        rootCertPem: rootCertPem ?? '',
      },
      options,
    );
  }

  /** The issuing certificate's PEM. */
  get caCertPem(): string {
    return this.#issuingChainPems[0] ?? '';
  }

  /** The requested TTL after istiod's rules: <= 0 → default, > max → TTL_TOO_LONG. */
  resolveTtlSeconds(ttlSeconds: number | undefined): number {
    if (ttlSeconds === undefined || ttlSeconds <= 0) return this.#defaultTtl;
    if (!Number.isFinite(ttlSeconds))
      throw new CaError('BAD_OPTIONS', `ttlSeconds must be finite, got ${ttlSeconds}`);
    if (ttlSeconds > this.#maxTtl) {
      throw new CaError(
        'TTL_TOO_LONG',
        `requested TTL ${formatGoDuration(ttlSeconds)} is greater than the max allowed TTL ${formatGoDuration(this.#maxTtl)}`,
      );
    }
    return Math.floor(ttlSeconds);
  }

  /**
   * Signs a CSR into a workload leaf for `identity` (the CA decides the
   * identity; the CSR's own SAN is not trusted). Returns PEMs leaf first,
   * then intermediates, root last.
   */
  async sign(csrPem: string, opts: SignOptions): Promise<string[]> {
    const identity = opts.identity;
    if (!identity || typeof identity.uri !== 'string' || identity.path === '') {
      throw new CaError(
        'BAD_IDENTITY',
        'the identity to sign must be a SPIFFE ID with a path (spiffe://td/ns/<ns>/sa/<sa>)',
      );
    }
    const ttl = this.resolveTtlSeconds(opts.ttlSeconds);
    const csr = checkCsr(csrPem);
    const now = this.#clock.now().getTime();
    const leafPem = await this.#leaves.build({
      csr,
      uri: identity.uri,
      // istiod backdates by ClockSkewGracePeriod; the subject stays empty.
      notBefore: new Date(now - CLOCK_SKEW_GRACE_MS),
      notAfter: new Date(now + ttl * 1000),
    });
    return [leafPem, ...this.#issuingChainPems];
  }

  /** The material for the istio-ca-secret / cacerts Secret; fromPlugin() accepts it back. */
  exportSecretData(): {
    caCertPem: string;
    caKeyPem: string;
    certChainPem: string;
    rootCertPem: string;
  } {
    return {
      caCertPem: this.caCertPem,
      caKeyPem: this.#caKeyPem,
      certChainPem: this.#certChainPem,
      rootCertPem: this.rootCertPem,
    };
  }
}
