// The process-wide answer to a bug that escaped: log it once and exit non-zero,
// so the pod restarts instead of running on in an unknown state or hanging
// (ISSUE 12 finding 6). Node's own default for an unhandled rejection depends
// on --unhandled-rejections (warn/none keep the process alive), and its crash
// output bypasses our structured logs; this makes both the same everywhere.

/** Fields of the one log line written before exiting. */
export interface CrashFields {
  readonly component: string;
  /** 'unhandledRejection' or 'uncaughtException'. */
  readonly origin: string;
  readonly error: string;
  readonly stack?: string;
}

export interface CrashHandlerOptions {
  /** Names the process in the log line (istiod, ztunnel, istio-cni, waypoint, istioctl). */
  readonly component: string;
  /** Writes one error line in the process's own log format. */
  readonly log: (fields: CrashFields, message: string) => void;
  /** Flushes buffered log output before the exit, when the logger buffers. */
  readonly flush?: () => void;
  /** The exit; tests replace it. */
  readonly exit?: (code: number) => void;
}

/** The exit status after a crash: non-zero, distinct from a config error's 2. */
export const CRASH_EXIT_CODE = 1;

export const CRASH_MESSAGE = 'unhandled error; exiting so the process is restarted';

function describe(reason: unknown): { error: string; stack?: string } {
  if (reason instanceof Error) {
    return {
      error: `${reason.name}: ${reason.message}`,
      ...(reason.stack ? { stack: reason.stack } : {}),
    };
  }
  try {
    return { error: `non-error value: ${JSON.stringify(reason) ?? String(reason)}` };
  } catch {
    return { error: `non-error value: ${String(reason)}` };
  }
}

/**
 * Installs the handlers (once per process; later calls are ignored) and
 * returns a function that removes them (for tests).
 */
export function installCrashHandlers(options: CrashHandlerOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let crashing = false;
  const crash = (origin: string, reason: unknown): void => {
    // A failure inside the logger itself must not recurse or block the exit.
    if (crashing) return;
    crashing = true;
    try {
      options.log({ component: options.component, origin, ...describe(reason) }, CRASH_MESSAGE);
      options.flush?.();
    } catch {
      process.stderr.write(`${options.component}: ${origin}: ${describe(reason).error}\n`);
    }
    exit(CRASH_EXIT_CODE);
  };
  const onRejection = (reason: unknown): void => {
    crash('unhandledRejection', reason);
  };
  const onException = (error: Error): void => {
    crash('uncaughtException', error);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
