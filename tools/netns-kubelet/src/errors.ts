// Typed errors whose messages say what to check (ARCHITECTURE.md §5).

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The image is not in the local image table: reported to the pod as ErrImagePull. */
export class ImageNotFoundError extends Error {
  override readonly name = 'ImageNotFoundError';
  constructor(
    readonly image: string,
    readonly tablePath: string,
  ) {
    super(
      `image "${image}" is not in the local image table ${tablePath}: add an entry mapping its repository to a local program`,
    );
  }
}

export class ImageTableError extends Error {
  override readonly name = 'ImageTableError';
}

/** A volume could not be prepared: reported to the pod as a FailedMount event. */
export class VolumeError extends Error {
  override readonly name = 'VolumeError';
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(`volume "${volume}": ${message}`);
  }
}

/** An environment variable could not be resolved: CreateContainerConfigError, as kubelet. */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

/** A container's namespaces or mounts could not be set up: RunContainerError, as kubelet. */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
  constructor(
    readonly container: string,
    detail: string,
  ) {
    super(`failed to start container "${container}": ${detail}`);
  }
}

/** A CNI plugin failed; the message carries the plugin's own error (CNI spec error object). */
export class CniError extends Error {
  override readonly name = 'CniError';
  constructor(
    readonly plugin: string,
    readonly command: string,
    message: string,
    readonly code?: number,
  ) {
    super(`CNI ${command} with plugin "${plugin}" failed: ${message}`);
  }
}

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(
      `command failed (exit ${exitCode ?? 'signal'}): ${argv.join(' ')}${stderr ? `: ${stderr.trim()}` : ''}`,
    );
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
