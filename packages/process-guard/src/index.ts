// Public API of @ambient-ts/process-guard.
export {
  CRASH_EXIT_CODE,
  CRASH_MESSAGE,
  installCrashHandlers,
  type CrashFields,
  type CrashHandlerOptions,
} from './crash-handlers.js';
