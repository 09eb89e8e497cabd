// A second curl client that runs as the service account the seeds'
// productpage-viewer policy allows (bookinfo-gateway-istio): upstream's
// curl.yaml with only the names changed, so both clients are the same program
// and differ in identity alone. Pure.
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseManifests } from '@ambient-ts/local-cluster';
import { ALLOWED_SERVICE_ACCOUNT } from './productpage-viewer.js';

export const ALLOWED_CLIENT_APP = 'curl-as-gateway';

interface Meta {
  name?: string;
  labels?: Record<string, string>;
}
/** The parsed YAML is plain JSON; typed only as far as it is edited here. */
interface Plain {
  metadata?: Meta;
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: Meta; spec?: { serviceAccountName?: string } };
  };
}

/** The ServiceAccount and Deployment of curl.yaml renamed; its Service is left out. */
export function allowedClientObjects(curlYaml: string): KubernetesObject[] {
  const objects = parseManifests(curlYaml, 'curl.yaml');
  const sa = objects.find((o) => o.kind === 'ServiceAccount');
  const dep = objects.find((o) => o.kind === 'Deployment');
  if (!sa || !dep) throw new Error('curl.yaml no longer has a ServiceAccount and a Deployment');
  const account = structuredClone(sa) as unknown as Plain;
  account.metadata = { ...account.metadata, name: ALLOWED_SERVICE_ACCOUNT };
  const d = structuredClone(dep) as unknown as Plain;
  d.metadata = { ...d.metadata, name: ALLOWED_CLIENT_APP };
  const labels = { app: ALLOWED_CLIENT_APP };
  d.spec = {
    ...d.spec,
    selector: { matchLabels: labels },
    template: {
      ...d.spec?.template,
      metadata: { ...d.spec?.template?.metadata, labels },
      spec: { ...d.spec?.template?.spec, serviceAccountName: ALLOWED_SERVICE_ACCOUNT },
    },
  };
  return [account, d];
}
