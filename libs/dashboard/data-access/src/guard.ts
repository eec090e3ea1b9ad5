/**
 * What every request to the dashboard must pass, in one place: the proxy (`src/proxy.ts`)
 * checks the Host and the session before any page or route runs, and every API route
 * handler checks them again through `guardRequest`, together with what a state-changing
 * request needs: the same origin, a JSON body, and a body no larger than its cap, counted
 * while it is read.
 *
 * Threat model: a page on another site, opened in the user's browser, must not be able to
 * start work (a form or `fetch` POST to 127.0.0.1:3000), nor read answers through DNS
 * rebinding (its own name resolving to 127.0.0.1, which the Host check refuses).
 */
import { hasSession, tokenModeEnabled } from './session';

/** Largest request body an API route reads, unless the route says otherwise. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** Names the dashboard always answers to, on any port. */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** A host name (lower case; IPv6 in brackets) and, when given, a port. */
export interface HostName {
  name: string;
  port?: string;
}

const NAME = /^(?:\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)$/;

/** Splits a Host header or an `ADVLAB_DASHBOARD_HOSTS` entry; null when it is not `host` or `host:port`. */
export function parseHostName(value: string): HostName | null {
  const text = value.trim().toLowerCase();
  let name = text;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return null;
    name = text.slice(0, end + 1);
    const rest = text.slice(end + 1);
    if (rest) {
      if (!rest.startsWith(':')) return null;
      port = rest.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      name = text.slice(0, colon);
      port = text.slice(colon + 1);
    }
  }
  if (!NAME.test(name)) return null;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return null;
  return { name, port };
}

/**
 * The names the dashboard answers to: the loopback names on any port, then each
 * comma-separated `host` (any port) or `host:port` of `ADVLAB_DASHBOARD_HOSTS`.
 * Entries that are not a host name are ignored.
 */
export function allowedHosts(env: NodeJS.ProcessEnv = process.env): HostName[] {
  const configured = (env.ADVLAB_DASHBOARD_HOSTS ?? '')
    .split(',')
    .map((entry) => (entry.trim() ? parseHostName(entry) : null))
    .filter((entry): entry is HostName => entry !== null);
  return [...LOOPBACK_HOSTS.map((name) => ({ name })), ...configured];
}

/** Whether a request's `Host` header names this dashboard. A missing Host is refused. */
export function isAllowedHost(host: string | null | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!host) return false;
  const parsed = parseHostName(host);
  if (!parsed) return false;
  return allowedHosts(env).some((allowed) => allowed.name === parsed.name && portMatches(allowed.port, parsed.port));
}

/** An entry without a port allows any; a Host without a port is the scheme's default, 80 or 443. */
const portMatches = (allowed: string | undefined, port: string | undefined) =>
  allowed === undefined || allowed === port || (port === undefined && (allowed === '80' || allowed === '443'));

/**
 * The scheme the browser used: `x-forwarded-proto` (Next.js sets it from the socket unless a
 * TLS-terminating proxy in front set it), else the request URL's.
 */
export function requestScheme(request: Request): 'http' | 'https' {
  const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  if (forwarded === 'https' || forwarded === 'http') return forwarded;
  return new URL(request.url).protocol === 'https:' ? 'https' : 'http';
}

/**
 * Whether a request comes from the dashboard's own pages: its `Origin` is exactly the
 * request's own `scheme://host`, or, without an `Origin`, the browser says
 * `Sec-Fetch-Site: same-origin`.
 */
export function isSameOrigin(request: Request): boolean {
  const host = request.headers.get('host');
  if (!host) return false;
  const origin = request.headers.get('origin');
  if (origin === null) return request.headers.get('sec-fetch-site') === 'same-origin';
  return origin.toLowerCase() === `${requestScheme(request)}://${host.toLowerCase()}`;
}

/** Whether a `Content-Type` is `application/json` (parameters such as charset allowed). */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
}

export type BodyText = { ok: true; text: string } | { ok: false; reason: 'too-large' | 'not-utf8' };

/**
 * Reads a request body as UTF-8 text, at most `maxBytes`: a larger `Content-Length` is
 * refused before reading, and the stream is cancelled as soon as the bytes read pass the cap.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<BodyText> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel().catch(() => undefined);
    return { ok: false, reason: 'too-large' };
  }
  if (!request.body) return { ok: true, text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, reason: 'too-large' };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, reason: 'not-utf8' };
  }
}

/** A refused request: status, error code and what to do about it. */
export interface Refusal {
  status: 400 | 401 | 403 | 413 | 415;
  code: string;
  message: string;
}

/** The message for a Host the dashboard does not answer to. */
export function hostRefusal(host: string | null): Refusal {
  const name = host ? `"${host.slice(0, 200)}"` : 'an empty name';
  return {
    status: 403,
    code: 'PERMISSION_DENIED',
    message: `This dashboard does not answer to ${name}. To open it under this name, add the name to ADVLAB_DASHBOARD_HOSTS (comma-separated host or host:port) and restart the dashboard.`,
  };
}

export const SESSION_REFUSAL: Refusal = { status: 401, code: 'UNAUTHENTICATED', message: 'Sign in first: this dashboard asks for its access token (ADVLAB_TOKEN) at /signin.' };

/** Host, then session: what every request must pass (`requireSession: false` for the sign-in itself). */
export function checkAccess(request: Request, options: { requireSession?: boolean; env?: NodeJS.ProcessEnv } = {}): Refusal | null {
  const env = options.env ?? process.env;
  const host = request.headers.get('host');
  if (!isAllowedHost(host, env)) return hostRefusal(host);
  if ((options.requireSession ?? true) && tokenModeEnabled(env) && !hasSession(request.headers, env)) return SESSION_REFUSAL;
  return null;
}

/** A refusal as the API's JSON error (`{ error: { code, message, ... } }`), never cached. */
export function refusalResponse(refusal: Refusal): Response {
  return Response.json({ error: { code: refusal.code, message: refusal.message, unimplemented: false, unreachable: false } }, { status: refusal.status, headers: { 'Cache-Control': 'no-store' } });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface GuardOptions {
  /** Body cap in bytes; default `MAX_REQUEST_BODY_BYTES`. */
  maxBytes?: number;
  /** Whether a session is needed when `ADVLAB_TOKEN` is set; default true. */
  requireSession?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The request passed: its JSON body (undefined for an empty body or a GET), or the response that refuses it. */
export type Guarded = { ok: true; body: unknown } | { ok: false; response: Response };

/**
 * The guard of every API route handler. Every request: an allowed `Host` (403) and, in token
 * mode, a session (401). State-changing requests (anything but GET, HEAD and OPTIONS) also
 * need the same origin (403), `Content-Type: application/json` (415) and a body of at most
 * `maxBytes` (413), which is then parsed as JSON (400 when it is not).
 */
export async function guardRequest(request: Request, options: GuardOptions = {}): Promise<Guarded> {
  const refuse = (refusal: Refusal): Guarded => ({ ok: false, response: refusalResponse(refusal) });
  const access = checkAccess(request, options);
  if (access) return refuse(access);
  if (SAFE_METHODS.has(request.method.toUpperCase())) return { ok: true, body: undefined };
  if (!isSameOrigin(request)) {
    return refuse({ status: 403, code: 'PERMISSION_DENIED', message: 'Cross-site request refused: changes are only accepted from the dashboard’s own pages (same Origin).' });
  }
  if (!isJsonContentType(request.headers.get('content-type'))) {
    return refuse({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the request body as JSON with Content-Type: application/json.' });
  }
  const maxBytes = options.maxBytes ?? MAX_REQUEST_BODY_BYTES;
  const read = await readBodyText(request, maxBytes);
  if (!read.ok) {
    return read.reason === 'too-large'
      ? refuse({ status: 413, code: 'PAYLOAD_TOO_LARGE', message: `The request body is larger than ${formatBytes(maxBytes)}.` })
      : refuse({ status: 400, code: 'INVALID_ARGUMENT', message: 'The request body is not UTF-8 text.' });
  }
  if (read.text.trim() === '') return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(read.text) as unknown };
  } catch {
    return refuse({ status: 400, code: 'INVALID_ARGUMENT', message: 'The request body is not JSON.' });
  }
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
