// istioctl's command tree as data: names, texts and flags exactly as upstream
// declares them with cobra/pflag. The commander adapter (program.ts) parses
// with it, the help renderer (help.ts) prints cobra's layout from it, and the
// commands themselves stay free of parsing code.

import type { Output } from './output.js';

interface FlagBase {
  /** The long name without dashes, e.g. `waypoint-timeout`. */
  readonly name: string;
  /** One letter, e.g. `n` for `-n`. */
  readonly short?: string;
  readonly usage: string;
  readonly hidden?: boolean;
  /**
   * Leave the default out of help. Upstream sets some values after declaring
   * the flag (version's --short and --remote become true), so pflag still
   * shows the declared zero default, i.e. none.
   */
  readonly hideDefault?: boolean;
}

export interface StringFlag extends FlagBase {
  readonly kind: 'string';
  readonly default: string;
}
export interface BoolFlag extends FlagBase {
  readonly kind: 'bool';
  readonly default: boolean;
}
export interface DurationFlag extends FlagBase {
  readonly kind: 'duration';
  /** Nanoseconds, as Go's time.Duration. */
  readonly default: number;
}
export interface StringArrayFlag extends FlagBase {
  readonly kind: 'stringArray';
  readonly default: readonly string[];
}
/** klog's verbosity (`--vklog`), an integer shown as type `Level`. */
export interface LevelFlag extends FlagBase {
  readonly kind: 'level';
  readonly default: number;
}

/** pflag's IntVar. */
export interface IntFlag extends FlagBase {
  readonly kind: 'int';
  readonly default: number;
}

export type FlagSpec = StringFlag | BoolFlag | DurationFlag | StringArrayFlag | LevelFlag | IntFlag;

export type FlagValue = string | boolean | number | readonly string[];

/** Parsed flag values of the invoked command and its ancestors, by long name. */
export interface Flags {
  string(name: string): string;
  bool(name: string): boolean;
  /** Nanoseconds. */
  duration(name: string): number;
  stringArray(name: string): readonly string[];
  level(name: string): number;
  int(name: string): number;
  /** Whether the user set the flag (pflag's `Changed`). */
  changed(name: string): boolean;
}

export interface Invocation {
  readonly args: readonly string[];
  readonly flags: Flags;
  readonly out: Output;
  /** `istioctl waypoint apply` */
  readonly commandPath: string;
  /** Prints this command's help to stdout (for group commands run without a subcommand). */
  printHelp(): void;
}

export interface CommandSpec {
  /** cobra's `Use`, first word: the command name. */
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly short: string;
  readonly long?: string;
  readonly example?: string;
  readonly hidden?: boolean;
  /** Flags of this command only. */
  readonly flags?: readonly FlagSpec[];
  /** Flags of this command and every command below it (cobra persistent flags). */
  readonly persistentFlags?: readonly FlagSpec[];
  /** cobra's `Args` validator: throws a CommandError to refuse the positional arguments. */
  readonly args?: (args: readonly string[], flags: Flags) => void;
  /** cobra's `RunE`; absent for a pure group (cobra's non-runnable command). */
  readonly run?: (invocation: Invocation) => Promise<void>;
  readonly subcommands?: readonly CommandSpec[];
}
