// What details answers, byte for byte: upstream is a Ruby WEBrick server that takes the
// last path segment through Ruby's Integer() and renders hashes with to_json (compact).

export const DETAILS_HEALTH_BODY = '{"status":"Details is healthy"}';
export const NON_NUMERIC_ID_MESSAGE = 'please provide numeric product id';

/** Ruby's `{'error' => message}.to_json`. */
export function detailsErrorBody(message: string): string {
  return JSON.stringify({ error: message });
}

/** The one book details knows about, whatever the id. Key order is upstream's. */
export function bookDetailsBody(id: bigint): string {
  return (
    `{"id":${id.toString()},"author":"William Shakespeare","year":1595,"type":"paperback",` +
    `"pages":200,"publisher":"PublisherA","language":"English",` +
    `"ISBN-10":"1234567890","ISBN-13":"123-1234567890"}`
  );
}

/**
 * The id from a request path: the last non-empty segment (Ruby's String#split drops trailing
 * empties), so `/details/5/` is 5 and `/details` is the word "details", not a number.
 */
export function detailsIdSegment(path: string): string {
  const parts = path.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts[parts.length - 1] ?? '';
}

const RUBY_INTEGER =
  /^\s*([+-])?(?:0[xX]([0-9a-fA-F]+(?:_[0-9a-fA-F]+)*)|0[bB]([01]+(?:_[01]+)*)|0[dD]([0-9]+(?:_[0-9]+)*)|0[oO]?_?([0-7]+(?:_[0-7]+)*)|([1-9][0-9]*(?:_[0-9]+)*|0))\s*$/;

/**
 * Ruby's Integer(): surrounding blanks, a sign, `0x`/`0b`/`0o`/`0d` prefixes, a bare leading
 * zero meaning octal (`010` is 8) and single underscores between digits. Undefined when Ruby
 * would raise.
 */
export function parseRubyInteger(s: string): bigint | undefined {
  const m = RUBY_INTEGER.exec(s);
  if (!m) return undefined;
  const [, sign, hex, bin, dec, oct, plain] = m;
  const digits = (d: string): string => d.replaceAll('_', '');
  let value: bigint;
  if (hex !== undefined) value = BigInt(`0x${digits(hex)}`);
  else if (bin !== undefined) value = BigInt(`0b${digits(bin)}`);
  else if (oct !== undefined) value = BigInt(`0o${digits(oct)}`);
  else value = BigInt(digits(dec ?? plain ?? '0'));
  return sign === '-' ? -value : value;
}
