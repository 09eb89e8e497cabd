// The kubeconfig the CNI plugin reads pods with (/var/run/istio-cni/istio-cni-kubeconfig, as
// upstream): the agent's own API server, CA and credentials, written as JSON (valid YAML, so
// kubectl reads it too) because the plugin runs on every pod start and stays dependency-free.

export interface PluginCredentials {
  readonly server: string;
  /** PEM of the API server's CA, when not skipping verification. */
  readonly caPem?: string;
  readonly insecureSkipTlsVerify?: boolean;
  readonly token?: string;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
}

export function pluginKubeconfig(c: PluginCredentials): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'local',
        cluster: {
          server: c.server,
          ...(c.caPem ? { 'certificate-authority-data': b64(c.caPem) } : {}),
          ...(c.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
        },
      },
    ],
    users: [
      {
        name: 'istio-cni',
        user: {
          ...(c.token ? { token: c.token } : {}),
          ...(c.clientCertPem ? { 'client-certificate-data': b64(c.clientCertPem) } : {}),
          ...(c.clientKeyPem ? { 'client-key-data': b64(c.clientKeyPem) } : {}),
        },
      },
    ],
    contexts: [{ name: 'istio-cni-context', context: { cluster: 'local', user: 'istio-cni' } }],
    'current-context': 'istio-cni-context',
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** What the plugin needs back out of that kubeconfig. */
export function readPluginKubeconfig(text: string): PluginCredentials {
  const kc = JSON.parse(text) as {
    clusters?: { cluster?: Record<string, unknown> }[];
    users?: { user?: Record<string, unknown> }[];
  };
  const cluster = kc.clusters?.[0]?.cluster ?? {};
  const user = kc.users?.[0]?.user ?? {};
  const unb64 = (v: unknown): string | undefined =>
    typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  if (typeof cluster.server !== 'string') throw new Error('the plugin kubeconfig names no server');
  const caPem = unb64(cluster['certificate-authority-data']);
  const clientCertPem = unb64(user['client-certificate-data']);
  const clientKeyPem = unb64(user['client-key-data']);
  return {
    server: cluster.server,
    ...(caPem ? { caPem } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(typeof user.token === 'string' ? { token: user.token } : {}),
    ...(clientCertPem ? { clientCertPem } : {}),
    ...(clientKeyPem ? { clientKeyPem } : {}),
  };
}
