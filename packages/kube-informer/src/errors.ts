// Typed errors of the informer, and the two facts it reads from client-node's errors.

/** The signal aborted before the first list completed: `synced` will never resolve. */
export class InformerStoppedError extends Error {
  override readonly name = 'InformerStoppedError';
  constructor(readonly what: string) {
    super(`the ${what} informer was stopped before its first list completed`);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The HTTP status behind a client-node error: list calls fail with an ApiException (`code`),
 * the watch with a plain Error carrying `statusCode`.
 */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  return typeof statusCode === 'number' ? statusCode : undefined;
}
