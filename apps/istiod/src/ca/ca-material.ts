// Where the CA's keys come from (istio_ca.go upstream): a plug-in `cacerts`
// Secret if present, else the self-signed root kept in `istio-ca-secret`
// (created on first start, RSA-2048, type istio.io/ca-root). Several istiod
// replicas may race to create it; the loser reads the winner's.

import { CertificateAuthority, type CaOptions } from '@ambient-ts/spiffe';
import { KubeApiError, type KubeApi } from '../kube/kube-api.js';
import type { Secret } from '../kube/objects.js';
import { RESOURCES } from '../kube/resources.js';
import type { Logger } from '../runtime/logger.js';

export const PLUGIN_SECRET = 'cacerts';
export const SELF_SIGNED_SECRET = 'istio-ca-secret';
export const CA_ROOT_SECRET_TYPE = 'istio.io/ca-root';

export interface CaMaterialOptions {
  readonly namespace: string;
  readonly trustDomain: string;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly selfSignedRootTtlSeconds: number;
  readonly useCacertsForSelfSigned: boolean;
}

export interface LoadedCa {
  readonly authority: CertificateAuthority;
  /** `cacerts` (plug-in), `istio-ca-secret` or `cacerts` holding a self-signed root. */
  readonly source: string;
  /** resourceVersion of the Secret it came from, to notice rotation. */
  readonly resourceVersion: string;
}

export class CaMaterialError extends Error {
  override readonly name = 'CaMaterialError';
}

const b64 = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');

/** Plug-in keys: ca-cert.pem/ca-key.pem/cert-chain.pem/root-cert.pem, or tls.crt/tls.key/ca.crt. */
export function pluginFiles(
  secret: Secret,
): { caCertPem: string; caKeyPem: string; certChainPem?: string; rootCertPem: string } | undefined {
  const d = secret.data ?? {};
  const caCertPem = b64(d['ca-cert.pem']) ?? b64(d['tls.crt']);
  const caKeyPem = b64(d['ca-key.pem']) ?? b64(d['tls.key']);
  const rootCertPem = b64(d['root-cert.pem']) ?? b64(d['ca.crt']);
  const certChainPem = b64(d['cert-chain.pem']);
  if (!caCertPem || !caKeyPem) return undefined;
  return {
    caCertPem,
    caKeyPem,
    ...(certChainPem && { certChainPem }),
    // A self-signed secret (istio-ca-secret) leaves root-cert.pem empty: the CA cert is the root.
    rootCertPem: rootCertPem || caCertPem,
  };
}

function secretData(ca: CertificateAuthority): Record<string, string> {
  const data = ca.exportSecretData();
  const enc = (s: string): string => Buffer.from(s).toString('base64');
  return {
    'ca-cert.pem': enc(data.caCertPem),
    'ca-key.pem': enc(data.caKeyPem),
    'cert-chain.pem': enc(data.certChainPem),
    'root-cert.pem': enc(data.rootCertPem),
  };
}

/** Loads (or on first start creates) the CA. Throws CaMaterialError with what to fix. */
export async function loadCa(
  api: KubeApi,
  options: CaMaterialOptions,
  logger: Logger,
): Promise<LoadedCa> {
  const caOptions: CaOptions = {
    defaultTtlSeconds: options.defaultTtlSeconds,
    maxTtlSeconds: options.maxTtlSeconds,
  };
  const fromSecret = async (secret: Secret, source: string): Promise<LoadedCa> => {
    const files = pluginFiles(secret);
    if (!files) {
      throw new CaMaterialError(
        `Secret ${options.namespace}/${source} lacks ca-cert.pem and ca-key.pem (or tls.crt and tls.key)`,
      );
    }
    try {
      return {
        authority: await CertificateAuthority.fromPlugin(files, caOptions),
        source,
        resourceVersion: secret.metadata.resourceVersion ?? '',
      };
    } catch (error) {
      throw new CaMaterialError(
        `Secret ${options.namespace}/${source} holds unusable CA material: ${(error as Error).message}`,
      );
    }
  };

  const plugin = await api.get<Secret>(RESOURCES.secrets, PLUGIN_SECRET, options.namespace);
  if (plugin) {
    logger.info(
      { secret: `${options.namespace}/${PLUGIN_SECRET}` },
      'using plug-in CA certificates',
    );
    return fromSecret(plugin, PLUGIN_SECRET);
  }
  const selfName = options.useCacertsForSelfSigned ? PLUGIN_SECRET : SELF_SIGNED_SECRET;
  const existing = await api.get<Secret>(RESOURCES.secrets, selfName, options.namespace);
  if (existing) {
    logger.info({ secret: `${options.namespace}/${selfName}` }, 'using the self-signed CA root');
    return fromSecret(existing, selfName);
  }
  const authority = await CertificateAuthority.selfSigned({
    trustDomain: options.trustDomain,
    validityDays: options.selfSignedRootTtlSeconds / 86_400,
    ...caOptions,
  });
  try {
    const created = await api.create<Secret>(RESOURCES.secrets, {
      metadata: { name: selfName, namespace: options.namespace },
      type: CA_ROOT_SECRET_TYPE,
      data: secretData(authority),
    });
    logger.info(
      { secret: `${options.namespace}/${selfName}` },
      'generated a self-signed CA root and stored it',
    );
    return { authority, source: selfName, resourceVersion: created.metadata.resourceVersion ?? '' };
  } catch (error) {
    if (error instanceof KubeApiError && error.conflict) {
      // Another istiod created it first; use theirs so every replica signs with one root.
      const winner = await api.get<Secret>(RESOURCES.secrets, selfName, options.namespace);
      if (winner) return fromSecret(winner, selfName);
    }
    throw error;
  }
}
