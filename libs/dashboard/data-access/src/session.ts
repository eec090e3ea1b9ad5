/**
 * The dashboard's sign-in when `ADVLAB_TOKEN` is set: the token is asked for once, and the
 * browser then holds a session cookie derived from it. Stateless: the cookie is an
 * HMAC-SHA256 of a fixed label keyed by the token, so it survives dashboard restarts, never
 * reveals the token, and stops working as soon as the token changes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'advlab_session';

const SESSION_LABEL = 'advlab dashboard session v1';

/** The dashboard's token, or undefined when sign-in is off (`ADVLAB_TOKEN` unset or blank). */
export function dashboardToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.ADVLAB_TOKEN?.trim() || undefined;
}

/** Whether the dashboard asks for a sign-in. */
export function tokenModeEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return dashboardToken(env) !== undefined;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether two secrets are equal, in time that depends on neither: both sides are hashed
 * with SHA-256 first, so `timingSafeEqual` always compares 32 bytes.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** The session cookie's value for `token`: base64url HMAC-SHA256 of a fixed label keyed by the token. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update(SESSION_LABEL, 'utf8').digest('base64url');
}

/** Whether `value` (the cookie's value, if any) is the session for `token`, compared in constant time. */
export function verifySession(value: string | undefined, token: string): boolean {
  if (!value) return false;
  return constantTimeEqual(value, sessionValue(token));
}

/** One cookie's value from a `Cookie` request header. */
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether the request carries a valid session, or sign-in is off. */
export function hasSession(headers: Pick<Headers, 'get'>, env: NodeJS.ProcessEnv = process.env): boolean {
  const token = dashboardToken(env);
  if (token === undefined) return true;
  return verifySession(cookieValue(headers.get('cookie'), SESSION_COOKIE), token);
}

/** `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, the whole site, `Secure` over https. */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${sessionValue(token)}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` that removes the session (sign out). */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** Where to go after signing in: a path on this dashboard (`/runs?x=1`), never another site; `/` otherwise. */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || hasControlCharacter(next)) return '/';
  return next;
}

const hasControlCharacter = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
