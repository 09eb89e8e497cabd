// Applying and deleting AuthorizationPolicies (security.istio.io/v1) through the API.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { errorText } from '@ambient-ts/local-cluster';
import type { ClusterDriver } from '../drivers/cluster-driver.js';

export async function deleteAuthorizationPolicy(
  driver: ClusterDriver,
  namespace: string,
  name: string,
): Promise<void> {
  try {
    await driver.kubeConfig().makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
      group: 'security.istio.io',
      version: 'v1',
      namespace,
      plural: 'authorizationpolicies',
      name,
    });
  } catch (err) {
    if (/404|not ?found/i.test(errorText(err))) return;
    throw err;
  }
}
