// A ListWatch that never gives up: client-node's stops for good on any error other than
// 410 Gone, so it is restarted with back-off (1 s doubling to 30 s) until the signal aborts.
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { errorMessage } from '../errors.js';
import type { Log } from '../log.js';

export interface InformerHandlers<T> {
  readonly upsert: (obj: T) => void;
  readonly remove: (obj: T) => void;
}

export interface Informer<T> {
  list(): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  /** Resolves after the first complete list. */
  readonly synced: Promise<void>;
}

export function startInformer<T extends KubernetesObject>(args: {
  readonly kc: KubeConfig;
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly fieldSelector?: string;
  readonly handlers: InformerHandlers<T>;
  readonly log: Log;
  readonly what: string;
  readonly signal: AbortSignal;
}): Informer<T> {
  const lw = new ListWatch<T>(
    args.path,
    new Watch(args.kc),
    args.list,
    false,
    undefined,
    args.fieldSelector,
  );
  let delay = 1000;
  let timer: NodeJS.Timeout | undefined;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));
  const restart = (err: unknown): void => {
    if (args.signal.aborted || timer) return;
    const forbidden = (err as { code?: number } | undefined)?.code === 403;
    args.log.warn(
      { informer: args.what, err: errorMessage(err), retryMs: delay },
      forbidden
        ? `forbidden to list/watch ${args.what}: check the istio-cni ClusterRole and its binding`
        : 'watch failed; restarting',
    );
    timer = setTimeout(() => {
      timer = undefined;
      lw.start().then(markSynced, restart);
    }, delay);
    delay = Math.min(delay * 2, 30_000);
  };
  lw.on('add', args.handlers.upsert);
  lw.on('update', (obj) => {
    delay = 1000;
    args.handlers.upsert(obj);
  });
  lw.on('delete', args.handlers.remove);
  lw.on('error', restart);
  lw.start().then(markSynced, restart);
  args.signal.addEventListener(
    'abort',
    () => {
      if (timer) clearTimeout(timer);
      void lw.stop();
    },
    { once: true },
  );
  return {
    list: () => lw.list(),
    get: (name, namespace) => lw.get(name, namespace),
    synced,
  };
}
