// The plugin's I/O: reading pods with the plugin kubeconfig (plain https, no client library:
// this runs on every pod start) and posting to the agent's unix socket.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readPluginKubeconfig } from '../cni-install/plugin-kubeconfig.js';
import type { PodFacts } from '../enablement.js';
import type { Labels } from '../label-selector.js';
import type { PluginSettings } from '../plugin-conf.js';
import type { PluginDeps } from './cni-plugin.js';

const API_TIMEOUT_MS = 10_000;
/** The agent answers after rules + ztunnel's ack (5 s deadline); leave room for a slow apply. */
const AGENT_TIMEOUT_MS = 60_000;

function apiGet(kubeconfigPath: string, apiPath: string): Promise<unknown> {
  const creds = readPluginKubeconfig(readFileSync(kubeconfigPath, 'utf8'));
  const url = new URL(apiPath, creds.server);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'GET',
        headers: {
          accept: 'application/json',
          ...(creds.token ? { authorization: `Bearer ${creds.token}` } : {}),
        },
        ...(creds.caPem ? { ca: creds.caPem } : {}),
        ...(creds.clientCertPem ? { cert: creds.clientCertPem, key: creds.clientKeyPem } : {}),
        rejectUnauthorized: creds.insecureSkipTlsVerify !== true,
        timeout: API_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 404) resolve(undefined);
          else if (res.statusCode !== 200)
            reject(new Error(`GET ${apiPath}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
          else {
            try {
              resolve(JSON.parse(text));
            } catch {
              reject(new Error(`GET ${apiPath}: the API server returned non-JSON`));
            }
          }
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`GET ${apiPath} timed out after ${API_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

export const pluginIo: PluginDeps = {
  async readPod(settings: PluginSettings, namespace: string, name: string) {
    const pod = await apiGet(
      settings.kubeconfig,
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
    );
    return pod as PodFacts | undefined;
  },
  async readNamespaceLabels(settings: PluginSettings, namespace: string): Promise<Labels> {
    const ns = (await apiGet(
      settings.kubeconfig,
      `/api/v1/namespaces/${encodeURIComponent(namespace)}`,
    )) as { metadata?: { labels?: Labels } } | undefined;
    return ns?.metadata?.labels ?? {};
  },
  postCmdAdd(socketPath: string, body: string) {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          socketPath,
          path: '/cmdadd',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          timeout: AGENT_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`no answer from the agent within ${AGENT_TIMEOUT_MS} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  },
};
