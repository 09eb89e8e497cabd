// Kubeconfig documents with the credentials embedded, so each file stands
// alone (copyable, usable by kubectl, client-node and Go clients alike).
import { stringify } from 'yaml';

export interface KubeconfigInput {
  readonly clusterName: string;
  readonly server: string;
  readonly caPem: string;
  readonly user: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** Set when the server URL's host is not among the serving certificate's SANs. */
  readonly tlsServerName?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function kubeconfigYaml(input: KubeconfigInput): string {
  const context = `${input.user}@${input.clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: input.clusterName,
        cluster: {
          server: input.server,
          'certificate-authority-data': b64(input.caPem),
          ...(input.tlsServerName ? { 'tls-server-name': input.tlsServerName } : {}),
        },
      },
    ],
    users: [
      {
        name: input.user,
        user: {
          'client-certificate-data': b64(input.clientCertPem),
          'client-key-data': b64(input.clientKeyPem),
        },
      },
    ],
    contexts: [{ name: context, context: { cluster: input.clusterName, user: input.user } }],
    'current-context': context,
    preferences: {},
  });
}
