// Go's time.ParseDuration and Duration.String, because istioctl's duration
// flags (--waypoint-timeout 90s, 1m30s, 0.5s) and their help defaults use
// Go's syntax, and the error texts are part of what users see.

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign
  μs: 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const MAX_NS = 2 ** 63 - 1;

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/** Parses a Go duration ("90s", "1m30s", "1.5h", "-2ms") into nanoseconds. */
export function parseGoDuration(input: string): number {
  const invalid = (): DurationError =>
    new DurationError(`time: invalid duration ${goQuote(input)}`);
  let s = input;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(s);
    const whole = number?.[1] ?? '';
    const fraction = number?.[2];
    if (whole === '' && (fraction === undefined || fraction === '')) throw invalid();
    s = s.slice(number?.[0].length ?? 0);
    const unitMatch = /^[^\d.]+/.exec(s);
    if (!unitMatch) throw new DurationError(`time: missing unit in duration ${goQuote(input)}`);
    const unitName = unitMatch[0];
    const unit = UNIT_NS[unitName];
    if (unit === undefined) {
      throw new DurationError(
        `time: unknown unit ${goQuote(unitName)} in duration ${goQuote(input)}`,
      );
    }
    s = s.slice(unitName.length);
    total += Number(whole === '' ? '0' : whole) * unit;
    if (fraction) total += Number(`0.${fraction}`) * unit;
    if (total > MAX_NS) throw invalid();
  }
  return Math.round(negative ? -total : total);
}

/** Go's Duration.String: "1m30s", "500ms", "0s", "1h0m0s". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ns));
  if (rest < 1e9) {
    // Sub-second durations use the largest unit that keeps a leading digit.
    const [unit, size] = rest < 1e3 ? ['ns', 1] : rest < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return `${sign}${trimFraction(rest, size)}${unit}`;
  }
  const hours = Math.floor(rest / 3600e9);
  rest -= hours * 3600e9;
  const minutes = Math.floor(rest / 60e9);
  rest -= minutes * 60e9;
  const seconds = `${trimFraction(rest, 1e9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function trimFraction(value: number, unit: number): string {
  const whole = Math.floor(value / unit);
  const fraction = value - whole * unit;
  if (fraction === 0) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(fraction).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's %q for the ASCII strings flags carry. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
