import crypto from 'node:crypto';
import { closeClients } from './clients';
import { MAX_REQUEST_BODY_BYTES, allowedHosts, guardRequest, isAllowedHost, isJsonContentType, isSameOrigin, parseHostName, readBodyText } from './guard';
import {
  attackGalleryRoute,
  cancelRunRoute,
  createSessionRoute,
  deleteModelRoute,
  deleteSessionRoute,
  evaluateModelRoute,
  importDatasetRoute,
  runEventsRoute,
  startRunRoute,
  streamAttackRoute,
} from './routes';
import { SESSION_COOKIE, clearedSessionCookie, constantTimeEqual, cookieValue, hasSession, safeNextPath, sessionCookie, sessionValue, verifySession } from './session';

const ORIGIN = 'http://127.0.0.1:3000';

/** A request as the dashboard's own page sends it, with `overrides` on top (null removes a header). */
function request(path: string, init: { method?: string; headers?: Record<string, string | null>; body?: string | Uint8Array | ReadableStream<Uint8Array> | null } = {}): Request {
  const headers: Record<string, string> = {};
  const base: Record<string, string | null> = { host: '127.0.0.1:3000', origin: ORIGIN, 'content-type': 'application/json', ...init.headers };
  for (const [name, value] of Object.entries(base)) if (value !== null) headers[name] = value;
  const method = init.method ?? 'POST';
  return new Request(`${ORIGIN}${path}`, { method, headers, body: method === 'GET' ? undefined : (init.body ?? '{}'), duplex: 'half' } as RequestInit);
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

/** A body stream of `chunks` chunks of `size` bytes that counts what was pulled and whether it was cancelled. */
function countingStream(size: number, chunks = Number.POSITIVE_INFINITY) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= chunks) return controller.close();
      state.pulled++;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe('Host allow-list', () => {
  it('answers to the loopback names on any port, and to nothing else by default', () => {
    for (const host of ['127.0.0.1', '127.0.0.1:3000', 'localhost:4000', 'LOCALHOST', '[::1]:3000', '[::1]']) expect(isAllowedHost(host, {})).toBe(true);
    for (const host of ['evil.example', 'evil.example:3000', '127.0.0.1.nip.io:3000', 'localhost.evil.example', '127.0.0.2:3000', '[::2]:3000', '0.0.0.0:3000']) {
      expect(isAllowedHost(host, {})).toBe(false);
    }
  });

  it('refuses a missing or malformed Host', () => {
    for (const host of [null, undefined, '', 'a b', 'localhost:http', 'localhost:3000:1', '[::1', '[::1]x', 'user@localhost']) expect(isAllowedHost(host, {})).toBe(false);
  });

  it('adds the names of ADVLAB_DASHBOARD_HOSTS: a bare host on any port, host:port on that port only', () => {
    const env = { ADVLAB_DASHBOARD_HOSTS: ' lab.example , gpu-box:8080,, [fd00::1]:3000, not a host ' };
    expect(allowedHosts(env)).toEqual([{ name: '127.0.0.1' }, { name: 'localhost' }, { name: '[::1]' }, { name: 'lab.example' }, { name: 'gpu-box', port: '8080' }, { name: '[fd00::1]', port: '3000' }]);
    expect(isAllowedHost('lab.example:3000', env)).toBe(true);
    expect(isAllowedHost('Lab.Example', env)).toBe(true);
    expect(isAllowedHost('gpu-box:8080', env)).toBe(true);
    expect(isAllowedHost('gpu-box:3000', env)).toBe(false);
    expect(isAllowedHost('gpu-box', env)).toBe(false);
    expect(isAllowedHost('[fd00::1]:3000', env)).toBe(true);
    expect(isAllowedHost('evil.example:8080', env)).toBe(false);
    expect(isAllowedHost('lab.example', { ADVLAB_DASHBOARD_HOSTS: 'lab.example:443' })).toBe(true);
  });

  it('splits names and ports', () => {
    expect(parseHostName('Host.Example:8080')).toEqual({ name: 'host.example', port: '8080' });
    expect(parseHostName('[::1]:3000')).toEqual({ name: '[::1]', port: '3000' });
    expect(parseHostName('x:')).toBeNull();
  });
});

describe('same origin', () => {
  const withHeaders = (headers: Record<string, string | null>) => request('/api/runs', { headers });

  it('accepts an Origin equal to the request’s own scheme://host', () => {
    expect(isSameOrigin(withHeaders({}))).toBe(true);
    expect(isSameOrigin(withHeaders({ host: 'lab.example:3000', origin: 'http://lab.example:3000' }))).toBe(true);
    expect(isSameOrigin(withHeaders({ 'x-forwarded-proto': 'https', host: 'lab.example', origin: 'https://lab.example' }))).toBe(true);
  });

  it('refuses any other Origin, including another port, another scheme and "null"', () => {
    for (const origin of ['http://127.0.0.1:8000', 'http://evil.example', 'https://127.0.0.1:3000', 'null', 'http://127.0.0.1:3000.evil.example']) {
      expect(isSameOrigin(withHeaders({ origin }))).toBe(false);
    }
    expect(isSameOrigin(withHeaders({ 'x-forwarded-proto': 'https' }))).toBe(false);
  });

  it('without an Origin, trusts only Sec-Fetch-Site: same-origin', () => {
    expect(isSameOrigin(withHeaders({ origin: null, 'sec-fetch-site': 'same-origin' }))).toBe(true);
    for (const site of ['same-site', 'cross-site', 'none']) expect(isSameOrigin(withHeaders({ origin: null, 'sec-fetch-site': site }))).toBe(false);
    expect(isSameOrigin(withHeaders({ origin: null }))).toBe(false);
  });
});

describe('content type', () => {
  it('is application/json, with or without parameters', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
    for (const type of [null, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'text/json']) expect(isJsonContentType(type)).toBe(false);
  });
});

describe('body cap', () => {
  it('reads a body up to the cap', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(1000) });
    await expect(readBodyText(request('/api/runs', { body }), 2000)).resolves.toEqual({ ok: true, text: body });
    await expect(readBodyText(request('/api/runs', { body: 'x'.repeat(2000) }), 2000)).resolves.toMatchObject({ ok: true });
  });

  it('refuses a larger Content-Length without reading the body', async () => {
    const { stream, state } = countingStream(1024);
    const result = await readBodyText(request('/api/runs', { headers: { 'content-length': String(MAX_REQUEST_BODY_BYTES + 1) }, body: stream }), MAX_REQUEST_BODY_BYTES);
    expect(result).toEqual({ ok: false, reason: 'too-large' });
    expect(state.pulled).toBeLessThanOrEqual(1);
  });

  it('stops reading an endless body (no Content-Length) as soon as it passes the cap', async () => {
    const { stream, state } = countingStream(64 * 1024);
    const result = await readBodyText(request('/api/runs', { body: stream }), MAX_REQUEST_BODY_BYTES);
    expect(result).toEqual({ ok: false, reason: 'too-large' });
    // 16 chunks fill the cap; the 17th passes it. A stream or two may be buffered ahead.
    expect(state.pulled).toBeGreaterThanOrEqual(17);
    expect(state.pulled).toBeLessThanOrEqual(20);
    expect(state.cancelled).toBe(true);
  });

  it('refuses bytes that are not UTF-8', async () => {
    await expect(readBodyText(request('/api/runs', { body: new Uint8Array([0x7b, 0xff, 0x7d]) }), 100)).resolves.toEqual({ ok: false, reason: 'not-utf8' });
  });
});

describe('guardRequest', () => {
  const env = {};

  it('passes a same-origin JSON POST and parses its body', async () => {
    await expect(guardRequest(request('/api/runs', { body: '{"a":[1,2]}' }), { env })).resolves.toEqual({ ok: true, body: { a: [1, 2] } });
    await expect(guardRequest(request('/api/runs', { body: '' }), { env })).resolves.toEqual({ ok: true, body: undefined });
  });

  it('answers 403 for a foreign Host, on every method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const guard = await guardRequest(request('/api/runs', { method, headers: { host: 'evil.example:3000', origin: 'http://evil.example:3000' } }), { env });
      expect(guard.ok).toBe(false);
      if (guard.ok) continue;
      const error = await errorOf(guard.response);
      expect(error).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
      expect(error.message).toContain('ADVLAB_DASHBOARD_HOSTS');
      expect(error.message).toContain('evil.example:3000');
    }
  });

  it('answers 403 for a cross-site POST, PUT, PATCH or DELETE and lets a GET through without an Origin', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const guard = await guardRequest(request('/api/runs', { method, headers: { origin: 'http://127.0.0.1:8000' } }), { env });
      expect(guard.ok ? 200 : guard.response.status).toBe(403);
    }
    await expect(guardRequest(request('/api/runs/x/events', { method: 'GET', headers: { origin: null, 'content-type': null } }), { env })).resolves.toEqual({ ok: true, body: undefined });
  });

  it('answers 415 for a body that is not declared JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', null]) {
      const guard = await guardRequest(request('/api/runs', { headers: { 'content-type': type } }), { env });
      expect(guard.ok ? 200 : guard.response.status).toBe(415);
    }
  });

  it('answers 413 above the cap and 400 for a body that is not JSON', async () => {
    const big = await guardRequest(request('/api/runs', { body: `"${'x'.repeat(MAX_REQUEST_BODY_BYTES)}"` }), { env });
    expect(big.ok ? 200 : (await errorOf(big.response)).status).toBe(413);
    const small = await guardRequest(request('/api/runs', { body: '{"a":1}' }), { env, maxBytes: 4 });
    expect(small.ok ? 200 : small.response.status).toBe(413);
    const broken = await guardRequest(request('/api/runs', { body: '{"a":' }), { env });
    expect(broken.ok ? 200 : await errorOf(broken.response)).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
  });

  it('in token mode asks for a session (401) unless told not to', async () => {
    const tokenEnv = { ADVLAB_TOKEN: 's3cret' };
    const without = await guardRequest(request('/api/runs'), { env: tokenEnv });
    expect(without.ok ? 200 : await errorOf(without.response)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const withSession = await guardRequest(request('/api/runs', { headers: { cookie: `other=1; ${SESSION_COOKIE}=${sessionValue('s3cret')}` } }), { env: tokenEnv });
    expect(withSession.ok).toBe(true);
    const stale = await guardRequest(request('/api/runs', { headers: { cookie: `${SESSION_COOKIE}=${sessionValue('old-token')}` } }), { env: tokenEnv });
    expect(stale.ok ? 200 : stale.response.status).toBe(401);
    await expect(guardRequest(request('/api/session'), { env: tokenEnv, requireSession: false })).resolves.toMatchObject({ ok: true });
  });
});

describe('session', () => {
  it('is an HMAC of a fixed label keyed by the token: stable, never the token, different per token', () => {
    const value = sessionValue('s3cret');
    expect(value).toBe(crypto.createHmac('sha256', 's3cret').update('advlab dashboard session v1').digest('base64url'));
    expect(value).toBe(sessionValue('s3cret'));
    expect(value).not.toContain('s3cret');
    expect(sessionValue('s3cret2')).not.toBe(value);
  });

  it('verifies only the value of the current token', () => {
    expect(verifySession(sessionValue('s3cret'), 's3cret')).toBe(true);
    expect(verifySession(sessionValue('other'), 's3cret')).toBe(false);
    expect(verifySession('s3cret', 's3cret')).toBe(false);
    expect(verifySession('', 's3cret')).toBe(false);
    expect(verifySession(undefined, 's3cret')).toBe(false);
  });

  it('reads the cookie from a Cookie header; without a token every request has a session', () => {
    expect(cookieValue('a=1; advlab_session=abc=; b=2', SESSION_COOKIE)).toBe('abc=');
    expect(cookieValue('xadvlab_session=abc', SESSION_COOKIE)).toBeUndefined();
    expect(hasSession(new Headers(), {})).toBe(true);
    expect(hasSession(new Headers(), { ADVLAB_TOKEN: ' ' })).toBe(true);
    expect(hasSession(new Headers(), { ADVLAB_TOKEN: 't' })).toBe(false);
    expect(hasSession(new Headers({ cookie: `${SESSION_COOKIE}=${sessionValue('t')}` }), { ADVLAB_TOKEN: ' t ' })).toBe(true);
  });

  it('sets the cookie HttpOnly, SameSite=Strict, Path=/, Secure only over https; sign-out expires it', () => {
    expect(sessionCookie('t', false)).toBe(`advlab_session=${sessionValue('t')}; HttpOnly; SameSite=Strict; Path=/`);
    expect(sessionCookie('t', true)).toBe(`advlab_session=${sessionValue('t')}; HttpOnly; SameSite=Strict; Path=/; Secure`);
    expect(clearedSessionCookie(false)).toBe('advlab_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
  });

  it('after sign-in goes back only to a path of this dashboard', () => {
    expect(safeNextPath('/runs?status=running')).toBe('/runs?status=running');
    for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'runs', '/runs\n', undefined, ['/runs']]) expect(safeNextPath(next)).toBe('/');
  });

  it('compares secrets as SHA-256 digests with timingSafeEqual, whatever their lengths', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      expect(constantTimeEqual('s3cret', 's3cret')).toBe(true);
      expect(constantTimeEqual('s3cret', 's3creT')).toBe(false);
      expect(constantTimeEqual('s3cret', 's3cret-and-more')).toBe(false);
      expect(constantTimeEqual('', 'x')).toBe(false);
      expect(spy).toHaveBeenCalledTimes(4);
      for (const [a, b] of spy.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
      expect(spy.mock.calls[0][0]).toEqual(crypto.createHash('sha256').update('s3cret').digest());
    } finally {
      spy.mockRestore();
    }
  });
});

describe('every API route handler runs the guard before any call to a service', () => {
  // No service listens at these addresses: a handler that skipped the guard would answer 503, not the guard's status.
  const saved = { ...process.env };
  beforeEach(() => {
    process.env['ADVLAB_TRAINER_ADDR'] = '127.0.0.1:9';
    process.env['ADVLAB_ATTACK_ADDR'] = '127.0.0.1:9';
    delete process.env['ADVLAB_TOKEN'];
    delete process.env['ADVLAB_DASHBOARD_HOSTS'];
  });
  afterAll(() => {
    closeClients();
    process.env = saved;
  });

  const writes: Array<[string, (request: Request) => Promise<Response>]> = [
    ['POST /api/runs', (r) => startRunRoute(r)],
    ['POST /api/runs/:id/cancel', (r) => cancelRunRoute(r, 'run-1')],
    ['DELETE /api/models/:id', (r) => deleteModelRoute(r, 'mdl-1')],
    ['POST /api/models/:id/evaluate', (r) => evaluateModelRoute(r, 'mdl-1')],
    ['POST /api/models/:id/attack', (r) => attackGalleryRoute(r, 'mdl-1')],
    ['POST /api/attack/stream', (r) => streamAttackRoute(r)],
    ['POST /api/datasets/import', (r) => importDatasetRoute(r)],
    ['POST /api/session', (r) => createSessionRoute(r)],
    ['DELETE /api/session', (r) => deleteSessionRoute(r)],
  ];

  it.each(writes)('%s refuses a foreign Host (403), another origin (403), a text/plain body (415) and a body over its cap (413)', async (name, handler) => {
    const method = name.split(' ')[0];
    expect((await handler(request('/', { method, headers: { host: 'evil.example:3000', origin: 'http://evil.example:3000' } }))).status).toBe(403);
    expect((await handler(request('/', { method, headers: { origin: 'http://127.0.0.1:8000' } }))).status).toBe(403);
    expect((await handler(request('/', { method, headers: { origin: null, 'sec-fetch-site': 'cross-site' } }))).status).toBe(403);
    expect((await handler(request('/', { method, headers: { 'content-type': 'text/plain' } }))).status).toBe(415);
    expect((await handler(request('/', { method, body: `"${'x'.repeat(12 * 1024 * 1024)}"` }))).status).toBe(413);
  });

  it.each(writes.filter(([name]) => !name.includes('/api/session')))('%s answers 401 without a session in token mode', async (name, handler) => {
    process.env['ADVLAB_TOKEN'] = 's3cret';
    const response = await handler(request('/', { method: name.split(' ')[0] }));
    expect(await errorOf(response)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('GET /api/runs/:id/events refuses a foreign Host, and a missing session in token mode', async () => {
    expect((await runEventsRoute(request('/', { method: 'GET', headers: { host: 'evil.example' } }), 'run-1')).status).toBe(403);
    process.env['ADVLAB_TOKEN'] = 's3cret';
    expect((await runEventsRoute(request('/', { method: 'GET' }), 'run-1')).status).toBe(401);
  });

  it('POST /api/session sets the session cookie for the right token only', async () => {
    process.env['ADVLAB_TOKEN'] = 's3cret';
    const ok = await createSessionRoute(request('/api/session', { body: JSON.stringify({ token: 's3cret' }) }));
    expect(ok.status).toBe(204);
    expect(ok.headers.get('set-cookie')).toBe(`advlab_session=${sessionValue('s3cret')}; HttpOnly; SameSite=Strict; Path=/`);
    const secure = await createSessionRoute(request('/api/session', { headers: { 'x-forwarded-proto': 'https', origin: 'https://127.0.0.1:3000' }, body: JSON.stringify({ token: 's3cret' }) }));
    expect(secure.headers.get('set-cookie')).toMatch(/; Secure$/);
    const wrong = await createSessionRoute(request('/api/session', { body: JSON.stringify({ token: 's3cret!' }) }));
    expect(await errorOf(wrong)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await createSessionRoute(request('/api/session', { body: '{}' }))).status).toBe(400);
    const out = await deleteSessionRoute(request('/api/session', { method: 'DELETE' }));
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
  });

  it('POST /api/session says sign-in is off without ADVLAB_TOKEN', async () => {
    const response = await createSessionRoute(request('/api/session', { body: JSON.stringify({ token: 'anything' }) }));
    expect(await errorOf(response)).toMatchObject({ status: 400, code: 'FAILED_PRECONDITION' });
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('a write that passes the guard reaches the service (here: unreachable, 503)', async () => {
    const body = JSON.stringify({ method: 'pgd', epsilon255: 8, steps: 20, stepSize255: 0.51, seed: 0 });
    const response = await attackGalleryRoute(request('/api/models/mdl-1/attack', { body }), 'mdl-1');
    expect(await errorOf(response)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    const invalid = await attackGalleryRoute(request('/api/models/mdl-1/attack', { body: JSON.stringify({ method: 'pgd', epsilon255: 8, steps: 0, stepSize255: 0.51, seed: 0 }) }), 'mdl-1');
    expect(await invalid.json()).toMatchObject({ error: { code: 'INVALID_ARGUMENT' }, fieldErrors: { steps: 'Steps must be at least 1' } });
  });
});
