// The sandbox's pid 1, a POSIX sh script run by
// `unshare --mount --net --pid --uts --ipc --fork --mount-proc --propagation private`.
//
// 1. Locks: a shared lock on the cgroup lock file for its whole life (the last
//    sandbox to end may remove the cgroup dirs engines leave in the host
//    hierarchy) and an exclusive lock on its storage root (two sandboxes on one
//    containers/storage root would each "refresh" the other's containers).
// 2. Mounts a tmpfs over /run — /run/netns, /run/containers, /run/libpod,
//    /run/runc, /run/containerd and the netavark config all live there, so no
//    netns placeholder or network file reaches the host — and, when the host has
//    no /lib/modules (kind bind-mounts it into every node), an overlay on /usr/lib
//    whose upper layer holds an empty modules dir.
// 3. Prints "ready", then waits: the owner holds our stdin open, so its death
//    (EOF) ends pid 1 and the kernel kills everything in the pid namespace, whose
//    network and mount namespaces go with it. A shell blocked in `wait` reaps
//    every orphan re-parented to it.

/** `$0` of the init shell: what `ps` shows, and what attach() checks. */
export const SANDBOX_INIT_NAME = 'ambient-ts-container-sandbox';

export const READY_LINE = 'ready';
export const WAITING_LINE = 'waiting-for-storage-lock';

/** `sh -c` script; $1 the cgroup lock file, $2 the storage lock file, $3 the hostname. */
export const SANDBOX_INIT_SCRIPT = [
  'set -e',
  'exec 8>>"$1"',
  'flock -s 8',
  'exec 9>>"$2"',
  `flock -n 9 || { echo ${WAITING_LINE}; flock 9; }`,
  'mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run',
  'mkdir -p /run/netns /run/containers /run/libpod /run/runc /run/containerd /run/lock',
  'mkdir -p /run/ambient-ts-sandbox/networks /run/ambient-ts-sandbox/lib-upper /run/ambient-ts-sandbox/lib-work',
  'if [ ! -d /lib/modules ]; then',
  '  mount -t overlay overlay -o lowerdir=/usr/lib,upperdir=/run/ambient-ts-sandbox/lib-upper,workdir=/run/ambient-ts-sandbox/lib-work /usr/lib',
  '  mkdir -p /usr/lib/modules',
  'fi',
  'ip link set lo up',
  'hostname "$3"',
  'set +e',
  'exec 3<&0',
  'cat <&3 >/dev/null &',
  'watcher=$!',
  "trap 'exit 0' TERM INT",
  `echo ${READY_LINE}`,
  'while kill -0 "$watcher" 2>/dev/null; do wait "$watcher"; done',
  'exit 0',
].join('\n');

/** Names of the cgroup dirs podman, runc, containerd and kubelet leave in the host hierarchy. */
export const ENGINE_CGROUP_NAMES = [
  'libpod_parent',
  'kubepods',
  'kubepods.slice',
  'kubelet',
  'kubelet.slice',
  'machine.slice',
  'system.slice',
  'user.slice',
  'init.scope',
];

/**
 * `sh -c` script run after a sandbox ends: under an exclusive, non-blocking
 * lock (no other sandbox alive) remove the engines' cgroup dirs bottom-up. rmdir
 * only removes a cgroup with no process in it, so nothing running is touched;
 * the dirs that pre-date the first sandbox (recorded in $2) are kept. Exits 1
 * while some dir is still busy (its processes are still dying).
 */
export const CGROUP_CLEANUP_SCRIPT = [
  'exec 8>>"$1"',
  'flock -n -x 8 || exit 0',
  'keep="$2"',
  'left=0',
  'for name in ' + ENGINE_CGROUP_NAMES.join(' ') + '; do',
  '  for dir in /sys/fs/cgroup/*/"$name"; do',
  '    [ -d "$dir" ] || continue',
  '    grep -qxF "$dir" "$keep" 2>/dev/null && continue',
  '    find "$dir" -depth -type d -exec rmdir {} \\; 2>/dev/null',
  '    [ -d "$dir" ] && left=1',
  '  done',
  'done',
  'exit "$left"',
].join('\n');
