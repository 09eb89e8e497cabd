// A ListWatch that never gives up. client-node's stops for good on any error other than
// 410 Gone (a failed list, a refused or dropped watch, an apiserver restart), which would
// leave a long-running agent with a silently stale cache; this one restarts it with
// back-off (1 s doubling to 30 s) until the signal aborts.
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { errorMessage, httpStatus, InformerStoppedError } from './errors.js';
import { clientNodeListWatch, type ListWatchFactory } from './list-watch.js';
import { realTimers, type Timers } from './timers.js';

export const INITIAL_RESTART_DELAY_MS = 1_000;
export const MAX_RESTART_DELAY_MS = 30_000;

/** pino's method shape; only what the informer logs. */
export interface InformerLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface InformerHandlers<T> {
  /** An object was added or changed (also for each object of a (re)list that is new or changed). */
  readonly upsert: (obj: T) => void;
  /** An object was deleted (also for each object a relist no longer contains). */
  readonly remove: (obj: T) => void;
}

export interface InformerOptions<T extends KubernetesObject> {
  readonly kc: KubeConfig;
  /** The watch path, e.g. `/api/v1/pods`. */
  readonly path: string;
  /** The list call for the same resource and selector, e.g. `() => core.listNamespace()`. */
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly fieldSelector?: string;
  readonly handlers: InformerHandlers<T>;
  readonly log: InformerLog;
  /** The resource in log lines and errors, e.g. `pods`. */
  readonly what: string;
  /** What to check when the apiserver answers 403, e.g. which ClusterRole grants the access. */
  readonly rbacHint?: string;
  readonly signal: AbortSignal;
}

/** Test seams: a fake ListWatch and a manual clock. */
export interface InformerDeps<T extends KubernetesObject> {
  readonly listWatch?: ListWatchFactory<T>;
  readonly timers?: Timers;
}

export interface Informer<T> {
  /** The cached objects, all namespaces. */
  list(): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  /**
   * Resolves once the cache holds a complete list; rejects with InformerStoppedError if the
   * signal aborts first.
   */
  readonly synced: Promise<void>;
}

export function startInformer<T extends KubernetesObject>(
  options: InformerOptions<T>,
  deps: InformerDeps<T> = {},
): Informer<T> {
  const { signal, log, what } = options;
  const timers = deps.timers ?? realTimers;

  // ListWatch.start() resolves even when its list failed (it reports that through 'error'),
  // so whether the cache was ever filled is learned from the list call itself.
  let listed = false;
  const lw = (deps.listWatch ?? clientNodeListWatch<T>)({
    kc: options.kc,
    path: options.path,
    list: async () => {
      const result = await options.list();
      listed = true;
      return result;
    },
    ...(options.fieldSelector !== undefined ? { fieldSelector: options.fieldSelector } : {}),
  });

  let isSynced = false;
  let markSynced: () => void = () => undefined;
  let failSynced: (err: Error) => void = () => undefined;
  const synced = new Promise<void>((resolve, reject) => {
    markSynced = () => {
      isSynced = true;
      resolve();
    };
    failSynced = reject;
  });
  // Callers that never await `synced` must not crash the process when it rejects on abort.
  synced.catch(() => undefined);

  let delay = INITIAL_RESTART_DELAY_MS;
  let timer: unknown;
  let restartPending = false;
  // When the current run got its list and watch up with no error; a run that then lasts as
  // long as the longest back-off counts as healthy, and the next failure starts over at 1 s.
  let runningSince: number | undefined;

  const restart = (err: unknown): void => {
    if (signal.aborted || restartPending) return;
    if (runningSince !== undefined && timers.now() - runningSince >= MAX_RESTART_DELAY_MS)
      delay = INITIAL_RESTART_DELAY_MS;
    runningSince = undefined;
    if (httpStatus(err) === 403)
      log.error(
        { informer: what, err: errorMessage(err), retryMs: delay },
        `forbidden to list/watch ${what}: ${
          options.rbacHint ?? `grant this component's identity list and watch on ${what} (RBAC)`
        }`,
      );
    else
      log.warn(
        { informer: what, err: errorMessage(err), retryMs: delay },
        'list/watch failed; restarting',
      );
    restartPending = true;
    timer = timers.setTimeout(() => {
      restartPending = false;
      run();
    }, delay);
    delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
  };

  const run = (): void => {
    lw.start().then(() => {
      // stop() during the list does not keep ListWatch from watching after it.
      if (signal.aborted) {
        void lw.stop();
        return;
      }
      if (listed && !isSynced) markSynced();
      if (!restartPending) runningSince = timers.now();
    }, restart);
  };

  // A throwing handler would otherwise be swallowed by client-node (watch events) or
  // mistaken for a list failure; the cache has the object either way.
  const guarded =
    (handler: (obj: T) => void, event: string) =>
    (obj: T): void => {
      try {
        handler(obj);
      } catch (err) {
        log.error(
          {
            informer: what,
            object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`,
            err: errorMessage(err),
          },
          `the ${event} handler threw; the event is dropped`,
        );
      }
    };
  const upsert = guarded(options.handlers.upsert, 'upsert');
  lw.on('add', upsert);
  lw.on('update', upsert);
  lw.on('delete', guarded(options.handlers.remove, 'remove'));
  lw.on('error', restart);

  const stop = (): void => {
    if (restartPending) timers.clearTimeout(timer);
    restartPending = false;
    void lw.stop();
    if (!isSynced) failSynced(new InformerStoppedError(what));
  };
  if (signal.aborted) stop();
  else {
    signal.addEventListener('abort', stop, { once: true });
    run();
  }

  return {
    list: () => lw.list(),
    get: (name, namespace) => lw.get(name, namespace),
    synced,
  };
}
