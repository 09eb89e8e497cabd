// PEM bundle helpers. A bundle file (cert-chain.pem, root-cert.pem) may hold
// several certificates; the CA response wants one PEM per element, each
// ending in '\n' as upstream's cert_chain entries do.

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle into one normalised PEM string per certificate. */
export function splitPemCertificates(bundle: string): string[] {
  return (bundle.match(CERT_BLOCK) ?? []).map((block) => normalisePem(block));
}

/** Trims stray whitespace inside the armour and ends with exactly one '\n'. */
export function normalisePem(block: string): string {
  const lines = block
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return `${lines.join('\n')}\n`;
}

export function derToPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
