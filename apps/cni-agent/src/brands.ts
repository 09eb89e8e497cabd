// Values that are easy to mix up get their own types (ARCHITECTURE.md §5).

/** A Kubernetes pod UID: the ZDS workload key (not the WDS workload UID). */
export type PodUid = string & { readonly __brand: 'PodUid' };

export function asPodUid(uid: string): PodUid {
  if (uid === '') throw new TypeError('a pod UID must not be empty');
  return uid as PodUid;
}

/** "namespace/name", for logs and errors. */
export type PodKey = string & { readonly __brand: 'PodKey' };

export function podKey(namespace: string, name: string): PodKey {
  return `${namespace}/${name}` as PodKey;
}
