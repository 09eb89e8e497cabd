// The sandbox's pid 1. Every process orphaned inside the sandbox (a killed
// kubelet's pods, a container's double-forked helper) is re-parented to pid 1
// of its pid namespace, and only pid 1 can reap it. Node (the supervisor)
// never waits for children it did not spawn, so with the supervisor as pid 1
// zombies piled up. A POSIX shell blocked in `wait` reaps every child that
// exits (dash and bash both call waitpid(-1) and drop pids they do not know),
// so this small sh runs the supervisor as its one job, reaps everything else,
// forwards SIGTERM/SIGINT to the supervisor (pid 1 only receives signals it
// has a handler for) and exits with the supervisor's status — at which point
// the kernel kills whatever is left in the namespace, as before.

/**
 * `sh -c` script: `$@` is the supervisor's argv. A trapped signal interrupts
 * `wait`, so it loops until the supervisor itself has ended; the `interrupted`
 * flag (not `kill -0`) decides, because after the supervisor is reaped its
 * pid may be reused by another process in the namespace.
 */
export const SANDBOX_INIT_SCRIPT = [
  'interrupted=0',
  'trap \'interrupted=1; kill -TERM "$child" 2>/dev/null\' TERM',
  'trap \'interrupted=1; kill -INT "$child" 2>/dev/null\' INT',
  '"$@" &',
  'child=$!',
  'while :; do',
  '  interrupted=0',
  '  wait "$child"',
  '  code=$?',
  '  [ "$interrupted" = 1 ] || exit "$code"',
  'done',
].join('\n');

/** `$0` of the init shell: what `ps` shows for pid 1. */
export const SANDBOX_INIT_NAME = 'ambient-ts-sandbox-init';

/** The argv that runs `command` under the reaping init (for `unshare … --`). */
export function sandboxInitArgv(command: readonly string[]): string[] {
  return ['sh', '-c', SANDBOX_INIT_SCRIPT, SANDBOX_INIT_NAME, ...command];
}
