import { describe, expect, it } from 'vitest';
import { gbitPerSecond, median, quantile } from './stats.js';

describe('benchmark statistics', () => {
  it('takes nearest-rank quantiles regardless of input order', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(quantile(samples, 0.5)).toBe(5);
    expect(quantile(samples, 0.99)).toBe(10);
    expect(quantile(samples, 0)).toBe(1);
    expect(median([3, 1, 2])).toBe(2);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('converts bytes and milliseconds to Gb/s', () => {
    expect(gbitPerSecond(125_000_000, 1000)).toBe(1);
  });
});
