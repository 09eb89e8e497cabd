import { create } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { applyResponseModifiers, forwardedRequestHeaders } from './header-modifiers.js';
import type { OutgoingHeaders } from './types.js';

const mod = (init: Parameters<typeof create<typeof waypoint.HeaderModifierSchema>>[1]) =>
  create(waypoint.HeaderModifierSchema, init);

describe('applyResponseModifiers', () => {
  it('removes, then sets, then adds, modifier by modifier', () => {
    const headers: OutgoingHeaders = { a: '1', b: ['1', '2'], c: '1' };
    const out = applyResponseModifiers(
      [
        mod({
          remove: ['a', 'b'],
          set: [{ name: 'b', value: 'set' }],
          add: [{ name: 'b', value: 'add' }],
        }),
        mod({ set: [{ name: 'c', value: 'second' }], add: [{ name: 'd', value: 'new' }] }),
      ],
      headers,
    );
    expect(out).toEqual({ b: ['set', 'add'], c: 'second', d: 'new' });
  });

  it('does not change its input and compares names lower-case', () => {
    const headers: OutgoingHeaders = { 'X-Up': 'v', keep: ['1'] };
    const out = applyResponseModifiers(
      [mod({ remove: ['x-up'], add: [{ name: 'keep', value: '2' }] })],
      headers,
    );
    expect(out).toEqual({ keep: ['1', '2'] });
    expect(headers).toEqual({ 'X-Up': 'v', keep: ['1'] });
  });

  it('with no modifiers returns an equal copy', () => {
    const headers: OutgoingHeaders = { a: ['1', '2'] };
    const out = applyResponseModifiers([], headers);
    expect(out).toEqual(headers);
    expect(out).not.toBe(headers);
  });
});

describe('forwardedRequestHeaders', () => {
  it('drops host (the plan’s authority is sent instead) and merges names differing in case', () => {
    expect(forwardedRequestHeaders({ host: 'a', 'X-A': '1', 'x-a': ['2'] })).toEqual({
      'x-a': ['1', '2'],
    });
  });
});
