// The two ways an istioctl command fails, with upstream's exit codes
// (istioctl/cmd/sysexits.go): usage mistakes exit 64, everything else 1.
// Messages are printed by the runner as cobra does: `Error: <message>`.

export const EXIT_OK = 0;
export const EXIT_UNKNOWN_ERROR = 1;
export const EXIT_INCORRECT_USAGE = 64;

/** A command line that cannot be parsed: unknown flag or command, bad flag value. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** Printed after the error line, e.g. `Run 'istioctl --help' for usage.` */
    readonly trailer?: string,
  ) {
    super(message);
  }
}

/** A command that ran and failed; the message is what upstream prints after `Error: `. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/**
 * hashicorp/go-multierror's default text, which upstream returns when several
 * deletions fail: the runner prints it after `Error: ` unchanged.
 */
export function multiErrorMessage(messages: readonly string[]): string {
  if (messages.length === 1) return `1 error occurred:\n\t* ${messages[0] ?? ''}\n\n`;
  const points = messages.map((m) => `* ${m}`).join('\n\t');
  return `${messages.length} errors occurred:\n\t${points}\n\n`;
}
