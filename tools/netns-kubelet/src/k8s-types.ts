// Plain-object views of the Kubernetes API types. @kubernetes/client-node models are classes,
// but what flows through this package (watch events, JSON, test literals) is plain data, so the
// runtime works on structural copies of those shapes.
import type * as k from '@kubernetes/client-node';

export type Plain<T> = T extends Date
  ? Date
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

export type Pod = Plain<k.V1Pod>;
export type PodSpec = Plain<k.V1PodSpec>;
export type Container = Plain<k.V1Container>;
export type Volume = Plain<k.V1Volume>;
export type KeyToPath = Plain<k.V1KeyToPath>;
export type EnvVar = Plain<k.V1EnvVar>;
export type Probe = Plain<k.V1Probe>;
export type ConfigMap = Plain<k.V1ConfigMap>;
export type Secret = Plain<k.V1Secret>;
export type Service = Plain<k.V1Service>;
export type Node = Plain<k.V1Node>;
export type Lease = Plain<k.V1Lease>;
export type DownwardAPIVolumeFile = Plain<k.V1DownwardAPIVolumeFile>;
