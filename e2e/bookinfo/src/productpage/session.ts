// The signed `session` cookie that remembers who signed in. Like upstream's Flask app the
// signing key is fixed, so a session stays valid across restarts and across replicas
// behind one Service; the signature only stops a client from editing the user name (the
// name is a demo identity that routes on `end-user`, not a credential).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'session';
const KEY = 'ambient-ts bookinfo productpage session';

function sign(payload: string): string {
  return createHmac('sha256', KEY).update(payload).digest('base64url');
}

export function encodeSession(user: string): string {
  const payload = Buffer.from(JSON.stringify({ user }), 'utf8').toString('base64url');
  return `${payload}.${sign(payload)}`;
}

/** The signed-in user, or undefined for no session, a bad signature or a malformed value. */
export function decodeSession(value: string): string | undefined {
  const dot = value.indexOf('.');
  if (dot < 0) return undefined;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'utf8');
  const expected = Buffer.from(sign(payload), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'user' in parsed) {
      const { user } = parsed;
      return typeof user === 'string' && user !== '' ? user : undefined;
    }
  } catch {
    // fall through: not ours
  }
  return undefined;
}

/** The value of one cookie in a `Cookie` request header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function userFromCookies(cookieHeader: string | undefined): string | undefined {
  const value = cookieValue(cookieHeader, SESSION_COOKIE);
  return value === undefined ? undefined : decodeSession(value);
}

export function sessionSetCookie(user: string): string {
  return `${SESSION_COOKIE}=${encodeSession(user)}; HttpOnly; Path=/`;
}

export const SESSION_CLEAR_COOKIE = `${SESSION_COOKIE}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/`;
