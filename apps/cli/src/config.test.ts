import { describe, expect, it } from 'vitest';
import { readEnvironment } from './config.js';

describe('readEnvironment', () => {
  it('splits KUBECONFIG, finds ~/.kube/config and the in-cluster hint', () => {
    expect(
      readEnvironment({
        KUBECONFIG: '/a::/b',
        HOME: '/home/me',
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
      }),
    ).toEqual({
      kubeconfigPaths: ['/a', '/b'],
      homeKubeconfig: '/home/me/.kube/config',
      inCluster: true,
      istioNamespace: 'istio-system',
    });
  });

  it('takes the -i default from ISTIOCTL_ISTIONAMESPACE, as upstream’s viper env prefix', () => {
    expect(readEnvironment({ ISTIOCTL_ISTIONAMESPACE: 'mesh' })).toMatchObject({
      istioNamespace: 'mesh',
      kubeconfigPaths: [],
      homeKubeconfig: undefined,
      inCluster: false,
    });
  });
});
