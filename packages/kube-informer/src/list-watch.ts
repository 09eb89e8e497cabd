// The part of client-node's ListWatch the informer drives, so a test can pass a fake one.
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';

export interface ListWatchLike<T> {
  /** Lists (unless a resourceVersion is held), then watches; errors go to `on('error')`. */
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void;
  on(verb: 'error', cb: (err: unknown) => void): void;
}

export interface ListWatchArgs<T extends KubernetesObject> {
  readonly kc: KubeConfig;
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly fieldSelector?: string;
}

export type ListWatchFactory<T extends KubernetesObject> = (
  args: ListWatchArgs<T>,
) => ListWatchLike<T>;

export function clientNodeListWatch<T extends KubernetesObject>(
  args: ListWatchArgs<T>,
): ListWatchLike<T> {
  // autoStart false: the informer starts it, so the first start's outcome is observed.
  return new ListWatch<T>(
    args.path,
    new Watch(args.kc),
    args.list,
    false,
    undefined,
    args.fieldSelector,
  );
}
