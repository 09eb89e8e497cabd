// Typed errors: each says which command failed, in which namespace, and what to check.

export class InpodRedirectionError extends Error {
  override readonly name: string = 'InpodRedirectionError';
}

/** A command run inside the pod's namespace failed or could not start. */
export class NetnsCommandError extends InpodRedirectionError {
  override readonly name = 'NetnsCommandError';
  constructor(
    readonly netns: string,
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    hint: string,
    options?: ErrorOptions,
  ) {
    super(
      `${argv.join(' ')} in network namespace ${netns} failed` +
        (exitCode === null ? '' : ` (exit ${exitCode})`) +
        (stderr.trim() ? `: ${stderr.trim()}` : '') +
        `; ${hint}`,
      options,
    );
  }
}
