// Names the install manifests give the mesh's components (upstream's, reference/istiod.md §7)
// and the labels and annotations ambient mode uses. One place, so the scenario and the demo
// agree with deploy/manifests.
import path from 'node:path';
import { REPO_ROOT } from '../repo.js';

export const MESH_NAMESPACE = 'istio-system';
/** The generated install manifest (CRDs, RBAC, istiod, istio-cni, ztunnel). */
export const MESH_MANIFEST = path.join(REPO_ROOT, 'deploy', 'manifests', 'ambient.yaml');
/** Nx projects whose dist/ the cluster runs for the mesh images (deploy/images/local-images.json). */
export const MESH_PROJECTS = [
  '@ambient-ts/istiod',
  '@ambient-ts/ztunnel',
  '@ambient-ts/cni-agent',
  '@ambient-ts/waypoint',
] as const;
export const BOOKINFO_PROJECT = '@ambient-ts/bookinfo';

export const ISTIOD = { deployment: 'istiod', selector: 'app=istiod' } as const;
export const ZTUNNEL = {
  daemonSet: 'ztunnel',
  selector: 'app=ztunnel',
  container: 'istio-proxy',
  adminPort: 15000,
  statsPort: 15020,
} as const;
export const ISTIO_CNI = {
  daemonSet: 'istio-cni-node',
  selector: 'k8s-app=istio-cni-node',
  container: 'install-cni',
} as const;

export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
export const REDIRECTION_ANNOTATION = 'ambient.istio.io/redirection';
