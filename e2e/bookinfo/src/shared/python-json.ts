// productpage's API re-serialises what details and reviews return with Python's
// json.dumps defaults: ", " and ": " separators and every non-ASCII character escaped.
// Scripts compare these bodies, so we write them the same way.

export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pythonNumber(value);
    case 'string':
      return pythonString(value);
    case 'object':
      if (Array.isArray(value)) {
        return `[${value.map((v) => pythonJsonDumps(v)).join(', ')}]`;
      }
      return `{${Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${pythonString(k)}: ${pythonJsonDumps(v)}`)
        .join(', ')}}`;
    default:
      return 'null';
  }
}

function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return String(n);
}

function pythonString(s: string): string {
  // JSON.stringify already escapes quotes, backslashes and control characters the way
  // Python does (lower-case \u00XX); Python's ensure_ascii additionally escapes DEL and
  // everything above it, astral characters as their surrogate pair.
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
