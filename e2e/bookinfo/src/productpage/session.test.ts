import { describe, expect, it } from 'vitest';
import {
  SESSION_CLEAR_COOKIE,
  cookieValue,
  decodeSession,
  encodeSession,
  sessionSetCookie,
  userFromCookies,
} from './session.js';

describe('session cookie', () => {
  it('remembers the signed-in user', () => {
    expect(decodeSession(encodeSession('jason'))).toBe('jason');
    expect(decodeSession(encodeSession('Zoë <admin>'))).toBe('Zoë <admin>');
  });

  it('rejects a value whose user was edited', () => {
    const [, signature] = encodeSession('jason').split('.');
    const forged = `${Buffer.from('{"user":"admin"}').toString('base64url')}.${signature ?? ''}`;
    expect(decodeSession(forged)).toBeUndefined();
    expect(decodeSession('garbage')).toBeUndefined();
    expect(decodeSession('')).toBeUndefined();
  });

  it('is found among other cookies', () => {
    const header = `theme=dark; session=${encodeSession('jason')}; other=1`;
    expect(cookieValue(header, 'theme')).toBe('dark');
    expect(userFromCookies(header)).toBe('jason');
    expect(userFromCookies('theme=dark')).toBeUndefined();
    expect(userFromCookies(undefined)).toBeUndefined();
  });

  it('is set for the whole site and cleared with an expired one', () => {
    expect(sessionSetCookie('jason')).toMatch(/^session=[^;]+; HttpOnly; Path=\/$/);
    expect(SESSION_CLEAR_COOKIE).toMatch(/^session=; Expires=Thu, 01 Jan 1970 .*Max-Age=0/);
  });
});
