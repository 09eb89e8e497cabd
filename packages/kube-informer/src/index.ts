// Public API of @ambient-ts/kube-informer. Everything else in src/ is internal.
export {
  INITIAL_RESTART_DELAY_MS,
  MAX_RESTART_DELAY_MS,
  startInformer,
  type Informer,
  type InformerDeps,
  type InformerHandlers,
  type InformerLog,
  type InformerOptions,
} from './informer.js';
export { InformerStoppedError } from './errors.js';
export type { ListWatchArgs, ListWatchFactory, ListWatchLike } from './list-watch.js';
export type { Timers } from './timers.js';
