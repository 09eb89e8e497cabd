import { describe, expect, it } from 'vitest';
import { decodeEvents, encodeEvent, parseStatus } from './events.js';

describe('supervisor → host event files', () => {
  it('decodes complete lines and keeps a partial last line for the next read', () => {
    const text =
      encodeEvent({ t: 1, message: 'etcd…' }) +
      encodeEvent({ t: 2, message: 'etcd: done' }) +
      '{"t":3,"mes';
    const { events, rest } = decodeEvents(text);
    expect(events).toEqual([
      { t: 1, message: 'etcd…' },
      { t: 2, message: 'etcd: done' },
    ]);
    expect(rest).toBe('{"t":3,"mes');
    expect(decodeEvents(rest + 'sage":"x"}\n').events).toEqual([{ t: 3, message: 'x' }]);
  });

  it('passes non-JSON lines through as messages', () => {
    expect(decodeEvents('plain\n').events).toEqual([{ t: 0, message: 'plain' }]);
  });

  it('reads a status only when the phase is known', () => {
    expect(parseStatus('{"phase":"failed","t":5,"error":"etcd"}')).toEqual({
      phase: 'failed',
      t: 5,
      error: 'etcd',
    });
    expect(parseStatus('{"phase":"ready","t":9}')).toEqual({ phase: 'ready', t: 9 });
    expect(parseStatus('{"phase":"bogus"}')).toBeUndefined();
    expect(parseStatus('{"pha')).toBeUndefined();
  });
});
