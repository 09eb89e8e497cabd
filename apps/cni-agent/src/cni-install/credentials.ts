// The plugin kubeconfig's credentials, taken from the agent's own KubeConfig (in-cluster:
// the service account token and CA; outside: whatever the kubeconfig file holds).
import { readFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../errors.js';
import type { PluginCredentials } from './plugin-kubeconfig.js';

async function dataOrFile(
  data: string | undefined,
  file: string | undefined,
): Promise<string | undefined> {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (file) return readFile(file, 'utf8');
  return undefined;
}

export async function pluginCredentials(kc: KubeConfig): Promise<PluginCredentials> {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster) throw new ConfigError('the agent kubeconfig has no current cluster');
  const caPem = await dataOrFile(cluster.caData, cluster.caFile);
  // In-cluster users carry the token as a file (re-read each time: it is rotated).
  const tokenFile = (user?.authProvider as { config?: { tokenFile?: string } } | undefined)?.config
    ?.tokenFile;
  const token = user?.token ?? (tokenFile ? (await readFile(tokenFile, 'utf8')).trim() : undefined);
  const clientCertPem = await dataOrFile(user?.certData, user?.certFile);
  const clientKeyPem = await dataOrFile(user?.keyData, user?.keyFile);
  return {
    server: cluster.server,
    ...(caPem ? { caPem } : {}),
    ...(cluster.skipTLSVerify ? { insecureSkipTlsVerify: true } : {}),
    ...(token ? { token } : {}),
    ...(clientCertPem ? { clientCertPem } : {}),
    ...(clientKeyPem ? { clientKeyPem } : {}),
  };
}
