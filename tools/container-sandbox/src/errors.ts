// Typed errors that say what to check.

export class ContainerSandboxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The sandbox could not be created (unshare, mounts, lock). */
export class SandboxStartError extends ContainerSandboxError {}

/** A command run inside the sandbox exited non-zero (reject: true). */
export class SandboxCommandError extends ContainerSandboxError {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(
      `'${argv.join(' ')}' in the container sandbox exited ${exitCode}: ${tail(stderr || stdout)}`,
    );
  }
}

/** Not Linux, not root, or a tool the sandbox needs is missing. */
export class SandboxUnsupportedError extends ContainerSandboxError {}

function tail(text: string, lines = 15): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}
