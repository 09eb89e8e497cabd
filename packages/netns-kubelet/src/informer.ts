// client-node's ListWatch stops for good on any error other than 410 Gone; a kubelet must not.
// This keeps one running with back-off (1 s doubling to 30 s) until the signal aborts.
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { errorMessage } from './errors.js';
import type { Log } from './runtime-deps.js';

export interface InformerHandlers<T> {
  readonly upsert: (obj: T) => void;
  readonly remove: (obj: T) => void;
}

export interface RunningInformer<T> {
  list(): readonly T[];
}

export function runInformer<T extends KubernetesObject>(args: {
  kc: KubeConfig;
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  fieldSelector?: string;
  handlers: InformerHandlers<T>;
  log: Log;
  what: string;
  signal: AbortSignal;
}): RunningInformer<T> {
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
  const restart = (err: unknown): void => {
    if (args.signal.aborted || timer) return;
    if ((err as { code?: number } | undefined)?.code === 403)
      args.log.error(
        { informer: args.what, err: errorMessage(err) },
        `forbidden to list/watch ${args.what}: grant the kubelet's identity list/watch on ${args.what} (RBAC)`,
      );
    else
      args.log.warn(
        { informer: args.what, err: errorMessage(err), retryMs: delay },
        'watch failed; restarting',
      );
    timer = setTimeout(() => {
      timer = undefined;
      lw.start().catch(restart);
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
  lw.start().catch(restart);
  args.signal.addEventListener(
    'abort',
    () => {
      if (timer) clearTimeout(timer);
      void lw.stop();
    },
    { once: true },
  );
  return { list: () => lw.list() };
}
