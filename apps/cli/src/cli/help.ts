// cobra's help layout (its default help and usage templates) and pflag's
// flag table, rendered from the command specs. `istioctl waypoint --help`
// then reads as upstream's does, flag for flag.

import { formatGoDuration, goQuote } from './go-duration.js';
import type { CommandSpec, FlagSpec } from './spec.js';

/** cobra's minimum width of the command-name column. */
const MIN_NAME_PADDING = 11;

/** `path` runs from the root command to the one whose help is printed. */
export function renderHelp(path: readonly CommandSpec[]): string {
  const command = path[path.length - 1];
  if (!command) throw new Error('renderHelp: empty command path');
  const about = (command.long ?? command.short).trimEnd();
  const head = about === '' ? '' : `${about}\n\n`;
  const showUsage = command.run !== undefined || (command.subcommands ?? []).length > 0;
  return head + (showUsage ? renderUsage(path) : '');
}

export function renderUsage(path: readonly CommandSpec[]): string {
  const command = path[path.length - 1];
  if (!command) throw new Error('renderUsage: empty command path');
  const commandPath = path.map((c) => c.name).join(' ');
  const visible = (command.subcommands ?? []).filter(isAvailable);
  const local = localFlags(path);
  const inherited = inheritedFlags(path);

  let text = 'Usage:';
  // Every command has at least --help, so cobra always appends [flags].
  if (command.run) text += `\n  ${commandPath} [flags]`;
  if (visible.length > 0) text += `\n  ${commandPath} [command]`;
  if ((command.aliases ?? []).length > 0) {
    text += `\n\nAliases:\n  ${[command.name, ...(command.aliases ?? [])].join(', ')}`;
  }
  if (command.example) text += `\n\nExamples:\n${command.example}`;
  if (visible.length > 0) {
    const padding = namePadding(command);
    text += '\n\nAvailable Commands:';
    for (const sub of [...visible].sort(byName)) {
      text += `\n  ${sub.name.padEnd(padding)} ${sub.short}`;
    }
  }
  if (local.some((f) => !f.hidden)) text += `\n\nFlags:\n${flagUsages(local).trimEnd()}`;
  if (inherited.some((f) => !f.hidden)) {
    text += `\n\nGlobal Flags:\n${flagUsages(inherited).trimEnd()}`;
  }
  if (visible.length > 0) {
    text += `\n\nUse "${commandPath} [command] --help" for more information about a command.`;
  }
  return `${text}\n`;
}

/** The help flag cobra adds to every command. */
export function helpFlag(command: CommandSpec): FlagSpec {
  return {
    kind: 'bool',
    name: 'help',
    short: 'h',
    usage: `help for ${command.name}`,
    default: false,
  };
}

/** cobra's LocalFlags: the command's own flags, its persistent flags and --help. */
export function localFlags(path: readonly CommandSpec[]): FlagSpec[] {
  const command = path[path.length - 1];
  if (!command) return [];
  return [...(command.flags ?? []), ...(command.persistentFlags ?? []), helpFlag(command)];
}

/** cobra's InheritedFlags: the ancestors' persistent flags not shadowed by a local one. */
export function inheritedFlags(path: readonly CommandSpec[]): FlagSpec[] {
  const local = new Set(localFlags(path).map((f) => f.name));
  const seen = new Set<string>();
  const result: FlagSpec[] = [];
  for (const ancestor of path.slice(0, -1).reverse()) {
    for (const flag of ancestor.persistentFlags ?? []) {
      if (local.has(flag.name) || seen.has(flag.name)) continue;
      seen.add(flag.name);
      result.push(flag);
    }
  }
  return result;
}

/** pflag's FlagSet.FlagUsages: sorted, aligned, with non-zero defaults. */
export function flagUsages(flags: readonly FlagSpec[]): string {
  const lines: string[] = [];
  let maxLen = 0;
  for (const flag of [...flags].filter((f) => !f.hidden).sort(byName)) {
    let line = flag.short ? `  -${flag.short}, --${flag.name}` : `      --${flag.name}`;
    const { varName, usage } = unquoteUsage(flag);
    if (varName !== '') line += ` ${varName}`;
    line += '\0';
    maxLen = Math.max(maxLen, line.length);
    line += usage;
    const shown = defaultText(flag);
    if (shown !== undefined) line += ` (default ${shown})`;
    lines.push(line);
  }
  return lines
    .map((line) => {
      const split = line.indexOf('\0');
      // Go's Fprintln puts a space between its three operands.
      return `${line.slice(0, split)} ${' '.repeat(maxLen - split)} ${line.slice(split + 1)}\n`;
    })
    .join('');
}

const TYPE_NAMES: Readonly<Record<FlagSpec['kind'], string>> = {
  string: 'string',
  bool: '',
  duration: 'duration',
  stringArray: 'stringArray',
  level: 'Level',
  int: 'int',
};

/** pflag's UnquoteUsage: a `back-quoted` word in the usage names the value. */
function unquoteUsage(flag: FlagSpec): { varName: string; usage: string } {
  const start = flag.usage.indexOf('`');
  if (start >= 0) {
    const end = flag.usage.indexOf('`', start + 1);
    if (end > start) {
      const varName = flag.usage.slice(start + 1, end);
      return {
        varName,
        usage: flag.usage.slice(0, start) + varName + flag.usage.slice(end + 1),
      };
    }
  }
  return { varName: TYPE_NAMES[flag.kind], usage: flag.usage };
}

/** pflag prints a default only when it is not the type's zero value. */
function defaultText(flag: FlagSpec): string | undefined {
  if (flag.hideDefault) return undefined;
  switch (flag.kind) {
    case 'string':
      return flag.default === '' ? undefined : goQuote(flag.default);
    case 'bool':
      return flag.default ? 'true' : undefined;
    case 'duration':
      return flag.default === 0 ? undefined : formatGoDuration(flag.default);
    case 'stringArray':
      return flag.default.length === 0 ? undefined : `[${flag.default.join(',')}]`;
    case 'level':
    case 'int':
      return flag.default === 0 ? undefined : String(flag.default);
  }
}

function isAvailable(command: CommandSpec): boolean {
  if (command.hidden) return false;
  return command.run !== undefined || (command.subcommands ?? []).some(isAvailable);
}

/** cobra sizes the name column over every subcommand, hidden ones included. */
function namePadding(parent: CommandSpec): number {
  const longest = Math.max(0, ...(parent.subcommands ?? []).map((c) => c.name.length));
  return Math.max(MIN_NAME_PADDING, longest);
}

function byName<T extends { readonly name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
