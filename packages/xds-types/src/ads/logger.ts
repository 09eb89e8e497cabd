/**
 * The logging the xDS runtime needs. pino's Logger satisfies it, so apps pass
 * their process logger; tests pass a recorder.
 */
export interface XdsLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
