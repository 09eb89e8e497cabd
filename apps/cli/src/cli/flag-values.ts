// pflag's value parsing and its error texts, so a bad flag value reads as it
// does with upstream istioctl: invalid argument "x" for "-w, --wait" flag: ...

import { UsageError } from './errors.js';
import { DurationError, goQuote, parseGoDuration } from './go-duration.js';
import type { FlagSpec } from './spec.js';

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool. */
export function parseGoBool(value: string): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`);
}

/** How pflag names a flag in errors: `-w, --wait` or `--name`. */
export function flagDisplayName(flag: FlagSpec): string {
  return flag.short ? `-${flag.short}, --${flag.name}` : `--${flag.name}`;
}

export function invalidFlagValue(flag: FlagSpec, value: string, cause: string): UsageError {
  return new UsageError(
    `invalid argument ${goQuote(value)} for ${goQuote(flagDisplayName(flag))} flag: ${cause}`,
  );
}

export function parseBoolFlag(flag: FlagSpec, value: string): boolean {
  try {
    return parseGoBool(value);
  } catch (error) {
    throw invalidFlagValue(flag, value, (error as Error).message);
  }
}

export function parseDurationFlag(flag: FlagSpec, value: string): number {
  try {
    return parseGoDuration(value);
  } catch (error) {
    if (error instanceof DurationError) throw invalidFlagValue(flag, value, error.message);
    throw error;
  }
}

/** klog's Level.Set: a base-10 int32. */
export function parseLevelFlag(flag: FlagSpec, value: string): number {
  return parseGoInt(flag, value, 32);
}

/** pflag's int: strconv.ParseInt(s, 0, 64); only the decimal form is accepted here. */
export function parseIntFlag(flag: FlagSpec, value: string): number {
  return parseGoInt(flag, value, 64);
}

function parseGoInt(flag: FlagSpec, value: string, bits: 32 | 64): number {
  if (!/^[+-]?\d+$/.test(value)) {
    throw invalidFlagValue(
      flag,
      value,
      `strconv.ParseInt: parsing ${goQuote(value)}: invalid syntax`,
    );
  }
  const n = BigInt(value);
  const limit = 2n ** BigInt(bits - 1);
  if (n >= limit || n < -limit) {
    throw invalidFlagValue(
      flag,
      value,
      `strconv.ParseInt: parsing ${goQuote(value)}: value out of range`,
    );
  }
  return Number(n);
}
