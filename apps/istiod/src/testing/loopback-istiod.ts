// The whole istiod in process on 127.0.0.1 (ephemeral ports) over an in-memory
// Kubernetes API, and the TLS channel a proxy opens to its :15012 — the set-up
// the loopback test and the xDS/debug authentication security test share.

import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { loadConfig } from '../config.js';
import { Istiod, type StartedIstiod } from '../istiod.js';
import type { FakeKubeApi } from '../kube/testing/fake-kube-api.js';
import { silentLogger } from '../runtime/logger.js';

/**
 * Starts istiod on `api` (seeded by the caller) with secure xDS, monitoring
 * and HTTP on 127.0.0.1:0; plaintext xDS (GRPC_ADDR) only with `plaintextXds`,
 * as in a real install where it is off by default.
 */
export async function startLoopbackIstiod(
  api: FakeKubeApi,
  o: { plaintextXds?: boolean } = {},
): Promise<{ istiod: Istiod; started: StartedIstiod }> {
  const config = loadConfig(
    {
      ...(o.plaintextXds && { GRPC_ADDR: '127.0.0.1:0' }),
      SECURE_GRPC_ADDR: '127.0.0.1:0',
      MONITORING_ADDR: '127.0.0.1:0',
      HTTP_ADDR: '127.0.0.1:0',
      PILOT_DEBOUNCE_AFTER: '10ms',
    },
    [],
  );
  const istiod = new Istiod({ config, api, logger: () => silentLogger });
  return { istiod, started: await istiod.start() };
}

/** A proxy reaches istiod at 127.0.0.1 but checks its certificate for the service name. */
export const ISTIOD_CHANNEL_OPTIONS = {
  'grpc.ssl_target_name_override': 'istiod.istio-system.svc',
  'grpc.default_authority': 'istiod.istio-system.svc',
};

/** TLS to istiod trusting only its mesh root; with `certificate`, presenting that client certificate. */
export function istiodTls(
  istiod: Istiod,
  certificate?: { chainPem: string; keyPem: string },
): ChannelCredentials {
  const root = Buffer.from(istiod.ca.authority?.rootCertPem ?? '');
  return certificate
    ? credentials.createSsl(
        root,
        Buffer.from(certificate.keyPem),
        Buffer.from(certificate.chainPem),
      )
    : credentials.createSsl(root);
}
