// pflag accepts forms commander does not: a value for a boolean flag
// (`--wait=false`, `-w=0`) and `-n=bookinfo` for a shorthand. This rewrites
// the command line into commander's forms before it parses; boolean values
// come back as overrides applied after parsing, since commander has no way
// to turn a boolean off.

import { parseBoolFlag } from './flag-values.js';
import type { CommandSpec, FlagSpec } from './spec.js';

export interface NormalizedArgv {
  readonly argv: readonly string[];
  /** Boolean flags given an explicit value, by long name; the last one given wins. */
  readonly boolValues: ReadonlyMap<string, boolean>;
}

export interface FlagIndex {
  readonly byLong: ReadonlyMap<string, FlagSpec>;
  readonly byShort: ReadonlyMap<string, FlagSpec>;
}

/**
 * Every flag in the tree by name. A name must mean the same flag kind
 * everywhere, or this rewriting would change its meaning for some command.
 */
export function indexFlags(root: CommandSpec, helpFlags: readonly FlagSpec[] = []): FlagIndex {
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  const add = (flag: FlagSpec, where: string): void => {
    const known = byLong.get(flag.name);
    if (known && known.kind !== flag.kind) {
      throw new Error(`flag --${flag.name} is both ${known.kind} and ${flag.kind} (${where})`);
    }
    byLong.set(flag.name, flag);
    if (flag.short) {
      const other = byShort.get(flag.short);
      if (other && (other.name !== flag.name || other.kind !== flag.kind)) {
        throw new Error(
          `shorthand -${flag.short} means both --${other.name} and --${flag.name} (${where})`,
        );
      }
      byShort.set(flag.short, flag);
    }
  };
  const visit = (command: CommandSpec): void => {
    for (const flag of [...(command.flags ?? []), ...(command.persistentFlags ?? [])]) {
      add(flag, command.name);
    }
    for (const sub of command.subcommands ?? []) visit(sub);
  };
  visit(root);
  for (const flag of helpFlags) add(flag, 'help');
  return { byLong, byShort };
}

export function normalizeArgv(argv: readonly string[], index: FlagIndex): NormalizedArgv {
  const out: string[] = [];
  const boolValues = new Map<string, boolean>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const long = /^--([^=]+)=(.*)$/s.exec(arg);
    if (long) {
      const flag = index.byLong.get(long[1] ?? '');
      if (flag?.kind === 'bool') {
        boolValues.set(flag.name, parseBoolFlag(flag, long[2] ?? ''));
        continue;
      }
      out.push(arg);
      continue;
    }
    const short = /^-([^-=])=(.*)$/s.exec(arg);
    if (short) {
      const flag = index.byShort.get(short[1] ?? '');
      if (flag?.kind === 'bool') {
        boolValues.set(flag.name, parseBoolFlag(flag, short[2] ?? ''));
        continue;
      }
      if (flag) {
        out.push(`-${short[1] ?? ''}`, short[2] ?? '');
        continue;
      }
    }
    // A plain boolean flag after an explicit value sets it again; last one wins.
    const plainLong = /^--([^=]+)$/.exec(arg);
    const plain = plainLong ? index.byLong.get(plainLong[1] ?? '') : undefined;
    if (plain?.kind === 'bool') boolValues.delete(plain.name);
    const plainShort = /^-([^-])$/.exec(arg);
    const plainS = plainShort ? index.byShort.get(plainShort[1] ?? '') : undefined;
    if (plainS?.kind === 'bool') boolValues.delete(plainS.name);
    out.push(arg);
  }
  return { argv: out, boolValues };
}
