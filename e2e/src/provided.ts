// What the globalSetups hand to the test files (vitest provide/inject).
import type { HostNetworkSnapshot } from '@ambient-ts/local-cluster';
import type { KindAttachment } from './drivers/kind-driver.js';
import type { Timings } from './timings.js';

export interface LocalProvided {
  /** Set when the suite cannot run here; the tests print it and skip. */
  readonly notRun?: string;
  readonly clusterName?: string;
  /** The host's network before the cluster existed. */
  readonly hostBefore?: HostNetworkSnapshot;
  readonly timings?: Timings;
}

export interface KindProvided {
  readonly notRun?: string;
  /** The cluster the globalSetup created (kubeconfig, sandbox handle, kind binary). */
  readonly attachment?: KindAttachment;
  /** The host's network before the sandbox existed. */
  readonly hostBefore?: HostNetworkSnapshot;
  readonly timings?: Timings;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localCluster: LocalProvided;
    kindCluster: KindProvided;
  }
}
