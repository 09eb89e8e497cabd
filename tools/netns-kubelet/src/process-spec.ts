// What a container runs: Docker semantics over the image table's entry — a manifest
// `command` replaces the ENTRYPOINT, `args` replace the CMD — then $(VAR) expansion with the
// container's environment, then in-image program paths mapped to local programs.
import type { Container } from './k8s-types.js';
import { ContainerConfigError } from './errors.js';
import { expandVars } from './env.js';
import type { ImageEntry } from './image-table.js';

export interface ProcessSpec {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir?: string;
}

export function containerArgv(
  container: Container,
  entry: ImageEntry,
  env: Readonly<Record<string, string>>,
): string[] {
  const lookup = (n: string): string | undefined => env[n];
  const command = container.command?.map((s) => expandVars(s, lookup));
  const args = container.args?.map((s) => expandVars(s, lookup));
  let argv: string[];
  if (command && command.length > 0) argv = [...command, ...(args ?? [])];
  else argv = [...entry.entrypoint, ...(args ?? entry.cmd)];
  const first = argv[0];
  if (first === undefined || first === '')
    throw new ContainerConfigError(
      `container "${container.name}": no command specified (the image table entry for ${entry.repository} has no entrypoint or cmd and the manifest sets no command)`,
    );
  const mapped = entry.programs[first];
  if (mapped !== undefined) argv[0] = mapped;
  return argv;
}

export function processSpec(
  container: Container,
  entry: ImageEntry,
  env: Readonly<Record<string, string>>,
): ProcessSpec {
  const workingDir = container.workingDir ?? entry.workingDir;
  return {
    argv: containerArgv(container, entry, env),
    env,
    ...(workingDir ? { workingDir } : {}),
  };
}
