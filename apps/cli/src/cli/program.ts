// Runs a command line against a CommandSpec tree with commander doing the
// parsing, and gives cobra's observable behaviour on top: persistent flags,
// pflag's error texts, `Error: ...` on stderr, exit codes 0/1/64, cobra's
// help layout and unknown-command suggestions.

import { Command, CommanderError, Option } from 'commander';
import { indexFlags, normalizeArgv } from './argv.js';
import { EXIT_INCORRECT_USAGE, EXIT_OK, EXIT_UNKNOWN_ERROR, UsageError } from './errors.js';
import { parseDurationFlag, parseIntFlag, parseLevelFlag } from './flag-values.js';
import { helpFlag, renderHelp } from './help.js';
import type { Output } from './output.js';
import type { CommandSpec, FlagSpec, FlagValue, Flags, Invocation } from './spec.js';
import { suggestCommands } from './suggest.js';

interface Node {
  readonly spec: CommandSpec;
  readonly path: readonly CommandSpec[];
  readonly command: Command;
  /** Where each flag visible to this command is declared. */
  readonly flagOwners: ReadonlyMap<string, { readonly flag: FlagSpec; readonly command: Command }>;
}

interface Invoked {
  readonly node: Node;
  readonly args: readonly string[];
}

/** Parses `argv` (without the program name), runs the command, returns the exit code. */
export async function runCommandLine(
  root: CommandSpec,
  argv: readonly string[],
  out: Output,
): Promise<number> {
  try {
    await execute(root, argv, out);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return EXIT_OK;
    const failure = error instanceof CommanderError ? fromCommander(error) : error;
    if (failure instanceof UsageError) {
      out.err(`Error: ${failure.message}\n${failure.trailer ?? ''}`);
      return EXIT_INCORRECT_USAGE;
    }
    const message = failure instanceof Error ? failure.message : String(failure);
    out.err(`Error: ${message}\n`);
    return EXIT_UNKNOWN_ERROR;
  }
}

async function execute(root: CommandSpec, argv: readonly string[], out: Output): Promise<void> {
  const index = indexFlags(root, allHelpFlags(root));
  const normalized = normalizeArgv(argv, index);
  let invoked: Invoked | undefined;
  const program = build(root, [], undefined, out, (i) => {
    invoked = i;
  });
  await program.parseAsync([...normalized.argv], { from: 'user' });
  if (!invoked) return; // commander printed help
  const { node, args } = invoked;

  for (const [name] of normalized.boolValues) {
    if (!node.flagOwners.has(name)) throw new UsageError(`unknown flag: --${name}`);
  }
  const flags = flagsOf(node, normalized.boolValues);
  const help = (): void => {
    out.out(renderHelp(node.path));
  };
  if (node.spec.args) node.spec.args(args, flags);
  if (!node.spec.run) {
    // cobra: the root refuses unknown commands; other groups just print help.
    const first = args[0];
    if (node.path.length === 1 && first !== undefined) throw unknownCommand(node.spec, first);
    help();
    return;
  }
  const invocation: Invocation = {
    args,
    flags,
    out,
    commandPath: node.path.map((c) => c.name).join(' '),
    printHelp: help,
  };
  await node.spec.run(invocation);
}

function build(
  spec: CommandSpec,
  parentPath: readonly CommandSpec[],
  parentOwners: Node['flagOwners'] | undefined,
  out: Output,
  onInvoke: (invoked: Invoked) => void,
): Command {
  const path = [...parentPath, spec];
  const command = new Command(spec.name);
  if (spec.aliases) command.aliases([...spec.aliases]);
  command
    .description(spec.short)
    .helpOption('-h, --help', `help for ${spec.name}`)
    .helpCommand(false)
    .allowExcessArguments(true)
    .showSuggestionAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        out.out(text);
      },
      writeErr: (text) => {
        out.err(text);
      },
      outputError: () => {
        // runCommandLine prints errors the way cobra does.
      },
    })
    .configureHelp({ formatHelp: () => renderHelp(path) });

  const owners = new Map(parentOwners ?? []);
  for (const flag of spec.persistentFlags ?? []) {
    command.addOption(optionFor(flag));
    owners.set(flag.name, { flag, command });
  }
  // Local flags are visible to this command only.
  const localOwners = new Map(owners);
  for (const flag of spec.flags ?? []) {
    command.addOption(optionFor(flag));
    localOwners.set(flag.name, { flag, command });
  }
  const node: Node = { spec, path, command, flagOwners: localOwners };
  command.action((_options: unknown, self: Command) => {
    onInvoke({ node, args: [...self.args] });
  });
  for (const sub of spec.subcommands ?? []) {
    command.addCommand(build(sub, path, owners, out, onInvoke), sub.hidden ? { hidden: true } : {});
  }
  return command;
}

function optionFor(flag: FlagSpec): Option {
  const names = flag.short ? `-${flag.short}, --${flag.name}` : `--${flag.name}`;
  const option =
    flag.kind === 'bool'
      ? new Option(names, flag.usage)
      : new Option(`${names} <value>`, flag.usage);
  if (flag.hidden) option.hideHelp();
  switch (flag.kind) {
    case 'bool':
    case 'string':
      return option.default(flag.default);
    case 'duration':
      return option.default(flag.default).argParser((v: string) => parseDurationFlag(flag, v));
    case 'level':
      return option.default(flag.default).argParser((v: string) => parseLevelFlag(flag, v));
    case 'int':
      return option.default(flag.default).argParser((v: string) => parseIntFlag(flag, v));
    case 'stringArray':
      // pflag's StringArray appends each occurrence to the (empty) default.
      return option
        .default([...flag.default])
        .argParser((v: string, previous: string[]) => [...previous, v]);
  }
}

function flagsOf(node: Node, boolValues: ReadonlyMap<string, boolean>): Flags {
  const owner = (name: string, kind: FlagSpec['kind']): { flag: FlagSpec; command: Command } => {
    const found = node.flagOwners.get(name);
    if (!found || found.flag.kind !== kind) {
      throw new Error(`command ${node.spec.name} has no ${kind} flag --${name}`);
    }
    return found;
  };
  const value = (name: string, kind: FlagSpec['kind']): FlagValue => {
    const { command, flag } = owner(name, kind);
    const override = boolValues.get(name);
    if (override !== undefined) return override;
    const v = command.getOptionValue(attributeName(flag)) as FlagValue | undefined;
    return v ?? flag.default;
  };
  return {
    string: (name) => value(name, 'string') as string,
    bool: (name) => value(name, 'bool') as boolean,
    duration: (name) => value(name, 'duration') as number,
    stringArray: (name) => value(name, 'stringArray') as readonly string[],
    level: (name) => value(name, 'level') as number,
    int: (name) => value(name, 'int') as number,
    changed: (name) => {
      const found = node.flagOwners.get(name);
      if (!found) return false;
      if (boolValues.has(name)) return true;
      return found.command.getOptionValueSource(attributeName(found.flag)) === 'cli';
    },
  };
}

function attributeName(flag: FlagSpec): string {
  return new Option(`--${flag.name}`).attributeName();
}

function allHelpFlags(root: CommandSpec): FlagSpec[] {
  const result: FlagSpec[] = [];
  const visit = (c: CommandSpec): void => {
    result.push(helpFlag(c));
    for (const sub of c.subcommands ?? []) visit(sub);
  };
  visit(root);
  return result;
}

function unknownCommand(root: CommandSpec, name: string): UsageError {
  const suggestions = suggestCommands(name, root.subcommands ?? []);
  let message = `unknown command ${JSON.stringify(name)} for ${JSON.stringify(root.name)}`;
  if (suggestions.length > 0) {
    message += `\n\nDid you mean this?\n${suggestions.map((s) => `\t${s}\n`).join('')}`;
  }
  return new UsageError(message, `Run '${root.name} --help' for usage.\n`);
}

/** commander's parse errors, reworded as pflag words them. */
function fromCommander(error: CommanderError): UsageError {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'commander.unknownOption': {
      if (quoted.startsWith('--'))
        return new UsageError(`unknown flag: ${quoted.split('=')[0] ?? quoted}`);
      return new UsageError(`unknown shorthand flag: '${quoted.charAt(1)}' in ${quoted}`);
    }
    case 'commander.optionMissingArgument': {
      const long = /--([^\s<,]+)/.exec(quoted)?.[1] ?? quoted;
      return new UsageError(`flag needs an argument: --${long}`);
    }
    default:
      return new UsageError(error.message.replace(/^error: /, ''));
  }
}
