import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './go-duration.js';

describe('parseGoDuration', () => {
  it.each([
    ['90s', 90e9],
    ['1m30s', 90e9],
    ['0.5s', 0.5e9],
    ['1.5h', 5400e9],
    ['500ms', 500e6],
    ['10us', 10e3],
    ['10µs', 10e3],
    ['7ns', 7],
    ['-2s', -2e9],
    ['+3s', 3e9],
    ['0', 0],
    ['.5s', 0.5e9],
    ['1.s', 1e9],
  ])('%s', (input, ns) => {
    expect(parseGoDuration(input)).toBe(ns);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['abc', 'time: invalid duration "abc"'],
    ['5', 'time: missing unit in duration "5"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['.s', 'time: invalid duration ".s"'],
    ['1s5', 'time: missing unit in duration "1s5"'],
  ])('rejects %j with Go’s message', (input, message) => {
    expect(() => parseGoDuration(input)).toThrow(message);
  });
});

describe('formatGoDuration', () => {
  it.each([
    [90e9, '1m30s'],
    [15e9, '15s'],
    [0, '0s'],
    [1.5e9, '1.5s'],
    [500e6, '500ms'],
    [3600e9, '1h0m0s'],
    [1500, '1.5µs'],
    [-2e9, '-2s'],
  ])('%d ns → %s', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });
});
