import { describe, expect, it } from 'vitest';
import { divideQuantity, parseQuantity } from './quantity.js';

describe('quantities', () => {
  it('parses decimal, binary and exponent suffixes', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(() => parseQuantity('lots')).toThrow('not a resource quantity');
  });
  it('rounds up like the downward API', () => {
    expect(divideQuantity('500m', undefined)).toBe('1');
    expect(divideQuantity('500m', '1m')).toBe('500');
    expect(divideQuantity('129Mi', '1Mi')).toBe('129');
    expect(divideQuantity('1Gi', '1G')).toBe('2');
    expect(() => divideQuantity('1', '0')).toThrow('divisor must be positive');
  });
});
