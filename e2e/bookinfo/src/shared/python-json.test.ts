import { describe, expect, it } from 'vitest';
import { PRODUCTS } from '../productpage/product.js';
import { pythonJsonDumps } from './python-json.js';

describe('Python json.dumps formatting', () => {
  it('writes the products list as productpage upstream does', () => {
    expect(pythonJsonDumps(PRODUCTS)).toBe(
      '[{"id": 0, "title": "The Comedy of Errors", "descriptionHtml": "<a href=\\"https://en.wikipedia.org/wiki/The_Comedy_of_Errors\\">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play."}]',
    );
  });

  it('re-spaces a compact details answer', () => {
    expect(pythonJsonDumps(JSON.parse('{"id":0,"pages":200,"ISBN-10":"1234567890"}'))).toBe(
      '{"id": 0, "pages": 200, "ISBN-10": "1234567890"}',
    );
  });

  it('keeps nesting, empties, booleans and null', () => {
    expect(pythonJsonDumps({ a: [], b: {}, c: [true, false, null], d: { e: [1, 'x'] } })).toBe(
      '{"a": [], "b": {}, "c": [true, false, null], "d": {"e": [1, "x"]}}',
    );
  });

  it('escapes control and non-ASCII characters like ensure_ascii', () => {
    expect(pythonJsonDumps('a"b\\c\n\u0001é€😀\u007f')).toBe(
      '"a\\"b\\\\c\\n\\u0001\\u00e9\\u20ac\\ud83d\\ude00\\u007f"',
    );
  });
});
