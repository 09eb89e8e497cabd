import { describe, expect, it } from 'vitest';
import {
  describeUnreadyPods,
  isDaemonSetReady,
  isDeploymentAvailable,
  isNodeReady,
  isPodReady,
  type DaemonSetLike,
  type DeploymentLike,
  type PodLike,
} from './readiness.js';

const cond = (type: string, status: string) => ({ type, status });

describe('readiness predicates', () => {
  it('reads Ready conditions of nodes and pods', () => {
    expect(isNodeReady({ status: { conditions: [cond('Ready', 'True')] } })).toBe(true);
    expect(isNodeReady({ status: { conditions: [cond('Ready', 'False')] } })).toBe(false);
    expect(isNodeReady({})).toBe(false);
    expect(
      isPodReady({ status: { conditions: [cond('PodScheduled', 'True'), cond('Ready', 'True')] } }),
    ).toBe(true);
    expect(isPodReady({ status: { conditions: [cond('Ready', 'False')] } })).toBe(false);
  });

  it('needs a deployment to be Available at its latest generation with all replicas updated', () => {
    const dep: DeploymentLike = {
      metadata: { generation: 2 },
      spec: { replicas: 2 },
      status: {
        observedGeneration: 2,
        availableReplicas: 2,
        updatedReplicas: 2,
        conditions: [cond('Available', 'True')],
      },
    };
    expect(isDeploymentAvailable(dep)).toBe(true);
    expect(
      isDeploymentAvailable({ ...dep, status: { ...dep.status, observedGeneration: 1 } }),
    ).toBe(false);
    expect(isDeploymentAvailable({ ...dep, status: { ...dep.status, availableReplicas: 1 } })).toBe(
      false,
    );
    expect(isDeploymentAvailable({ ...dep, status: { ...dep.status, conditions: [] } })).toBe(
      false,
    );
  });

  it('does not call a stuck rollout available: old pods still serve while the new one is not Ready', () => {
    const stuck: DeploymentLike = {
      metadata: { generation: 3 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 3,
        replicas: 2,
        availableReplicas: 1,
        updatedReplicas: 1,
        conditions: [cond('Available', 'True')],
      },
    };
    expect(isDeploymentAvailable(stuck)).toBe(false);
    expect(isDeploymentAvailable({ ...stuck, status: { ...stuck.status, replicas: 1 } })).toBe(
      true,
    );
  });

  it('needs a daemonset ready on as many nodes as expected', () => {
    const ds: DaemonSetLike = {
      metadata: { generation: 1 },
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        numberReady: 2,
        updatedNumberScheduled: 2,
      },
    };
    expect(isDaemonSetReady(ds, 2)).toBe(true);
    expect(isDaemonSetReady(ds, 3)).toBe(false);
    expect(isDaemonSetReady({ ...ds, status: { ...ds.status!, numberReady: 1 } })).toBe(false);
    expect(
      isDaemonSetReady({
        ...ds,
        status: { ...ds.status!, desiredNumberScheduled: 0, numberReady: 0 },
      }),
    ).toBe(false);
  });

  it('describes pods that are not ready with their waiting reasons', () => {
    const pods: PodLike[] = [
      { metadata: { namespace: 'd', name: 'ok' }, status: { conditions: [cond('Ready', 'True')] } },
      {
        metadata: { namespace: 'd', name: 'bad' },
        spec: { nodeName: 'node-1' },
        status: {
          phase: 'Pending',
          containerStatuses: [{ state: { waiting: { reason: 'ErrImagePull' } } }],
        },
      },
    ];
    expect(describeUnreadyPods(pods)).toBe('d/bad phase=Pending node=node-1 (ErrImagePull)');
  });
});
