// The waypoint StringMatch: policy forms, ASCII ignore_case, full-match RE2.

import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { matchesL7String, stringMatchFromProto, type L7StringMatcher } from './l7-string-match.js';

function matcher(init: MessageInitShape<typeof waypoint.StringMatchSchema>): L7StringMatcher {
  const m = stringMatchFromProto(create(waypoint.StringMatchSchema, init));
  if ('error' in m) throw new Error(m.error);
  return m;
}

describe('matchesL7String', () => {
  const rows: readonly [
    string,
    MessageInitShape<typeof waypoint.StringMatchSchema>,
    string,
    boolean,
  ][] = [
    ['exact', { kind: { case: 'exact', value: 'Abc' } }, 'Abc', true],
    ['exact is case-sensitive', { kind: { case: 'exact', value: 'Abc' } }, 'abc', false],
    ['exact ignore_case', { kind: { case: 'exact', value: 'Abc' }, ignoreCase: true }, 'aBC', true],
    [
      'prefix ignore_case',
      { kind: { case: 'prefix', value: 'AB' }, ignoreCase: true },
      'abc',
      true,
    ],
    [
      'suffix ignore_case',
      { kind: { case: 'suffix', value: '.COM' }, ignoreCase: true },
      'a.com',
      true,
    ],
    ['suffix', { kind: { case: 'suffix', value: '.com' } }, 'a.org', false],
    ['empty exact matches the empty value only', { kind: { case: 'exact', value: '' } }, '', true],
    ['presence needs a value', { kind: { case: 'presence', value: {} } }, '', false],
    ['presence', { kind: { case: 'presence', value: {} } }, 'x', true],
    ['regex is a full match', { kind: { case: 'regex', value: 'a.c' } }, 'abc', true],
    ['regex is not a search', { kind: { case: 'regex', value: 'a.c' } }, 'xabcx', false],
    [
      'regex ignores ignore_case',
      { kind: { case: 'regex', value: 'abc' }, ignoreCase: true },
      'ABC',
      false,
    ],
    ['regex may fold case itself', { kind: { case: 'regex', value: '(?i)abc' } }, 'ABC', true],
    [
      'ignore_case does not fold non-ASCII',
      { kind: { case: 'exact', value: 'straße' }, ignoreCase: true },
      'STRASSE',
      false,
    ],
  ];
  it.each(rows)('%s', (_name, init, value, expected) => {
    expect(matchesL7String(matcher(init), value)).toBe(expected);
  });

  it('says why an unset or invalid matcher cannot be read', () => {
    expect(stringMatchFromProto(create(waypoint.StringMatchSchema, {}))).toEqual({
      error: expect.stringMatching(/no match kind/) as unknown,
    });
    expect(
      stringMatchFromProto(
        create(waypoint.StringMatchSchema, { kind: { case: 'regex', value: '\\C' } }),
      ),
    ).toHaveProperty('error');
  });
});
