// The only place the e2e project reads the environment.
export interface E2eEnv {
  /** Name of the local cluster the suite creates: per run (pid), so two runs never collide. */
  readonly localClusterName: string;
  readonly localNodes: number;
  /** Name of the kind cluster. */
  readonly kindClusterName: string;
  readonly kindBinary: string;
  readonly dockerBinary: string;
  /** Where logs of a failed run are copied (kind export logs, local cluster logs). */
  readonly artifactsDir: string;
  /**
   * Run the ambient scenario (install from deploy/, bookinfo in ambient mode, identities,
   * policy, waypoint, restarts) after the bookinfo scenario: always, unless AMBIENT_E2E=0
   * (a quicker bookinfo-only run while iterating; the run then says it skipped it).
   */
  readonly ambient: boolean;
}

export function readE2eEnv(env: NodeJS.ProcessEnv = process.env): E2eEnv {
  return {
    localClusterName: env['E2E_LOCAL_CLUSTER'] ?? `e2e-${process.pid}`,
    localNodes: Number(env['E2E_LOCAL_NODES'] ?? 2),
    kindClusterName: env['E2E_KIND_CLUSTER'] ?? 'ambient-ts-e2e',
    kindBinary: env['KIND'] ?? 'kind',
    dockerBinary: env['DOCKER'] ?? 'docker',
    artifactsDir: env['E2E_ARTIFACTS'] ?? '/tmp/ambient-ts-e2e-artifacts',
    ambient: !/^(0|false|no)$/i.test(env['AMBIENT_E2E'] ?? ''),
  };
}
