import { describe, expect, it } from 'vitest';
import {
  DETAILS_HEALTH_BODY,
  NON_NUMERIC_ID_MESSAGE,
  bookDetailsBody,
  detailsErrorBody,
  detailsIdSegment,
  parseRubyInteger,
} from './details-body.js';

describe('details bodies', () => {
  it('renders the book for product 0 byte for byte', () => {
    expect(bookDetailsBody(0n)).toBe(
      '{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,"publisher":"PublisherA","language":"English","ISBN-10":"1234567890","ISBN-13":"123-1234567890"}',
    );
  });

  it('echoes the requested id, however large', () => {
    expect(bookDetailsBody(123456789012345678901234567890n)).toMatch(
      /^\{"id":123456789012345678901234567890,"author"/,
    );
    expect(bookDetailsBody(-3n)).toMatch(/^\{"id":-3,/);
  });

  it('answers a non-numeric id with the upstream error body', () => {
    expect(detailsErrorBody(NON_NUMERIC_ID_MESSAGE)).toBe(
      '{"error":"please provide numeric product id"}',
    );
  });

  it('reports health as compact JSON', () => {
    expect(DETAILS_HEALTH_BODY).toBe('{"status":"Details is healthy"}');
  });
});

describe('details id parsing', () => {
  it('takes the last non-empty path segment', () => {
    expect(detailsIdSegment('/details/5')).toBe('5');
    expect(detailsIdSegment('/details/5/')).toBe('5');
    expect(detailsIdSegment('/details/1/2')).toBe('2');
    expect(detailsIdSegment('/details')).toBe('details');
  });

  it.each([
    ['0', 0n],
    ['42', 42n],
    ['-7', -7n],
    ['+7', 7n],
    [' 12 ', 12n],
    ['1_000', 1000n],
    ['010', 8n],
    ['0o17', 15n],
    ['0x1f', 31n],
    ['0b101', 5n],
    ['0d99', 99n],
  ])('reads %j as Ruby Integer() does (%s)', (text, value) => {
    expect(parseRubyInteger(text)).toBe(value);
  });

  it.each(['', 'abc', 'details', '1.5', '08', '1__0', '_1', '1_', '0x', '12abc', '1 2'])(
    'rejects %j like Ruby Integer() does',
    (text) => {
      expect(parseRubyInteger(text)).toBeUndefined();
    },
  );
});
