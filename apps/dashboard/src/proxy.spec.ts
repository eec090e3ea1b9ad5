import { NextRequest } from 'next/server';
import { sessionValue } from '@advlab/dashboard-data-access/security';
import { isPublicPath, proxy } from './proxy';

const request = (path: string, headers: Record<string, string> = {}, method = 'GET') => new NextRequest(`http://127.0.0.1:3000${path}`, { method, headers: { host: '127.0.0.1:3000', ...headers } });

describe('proxy', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    delete process.env['ADVLAB_TOKEN'];
    delete process.env['ADVLAB_DASHBOARD_HOSTS'];
  });
  afterAll(() => {
    process.env = saved;
  });

  it('lets requests for the dashboard’s own names through when sign-in is off', () => {
    for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000']) expect(proxy(request('/runs', { host })).headers.get('x-middleware-next')).toBe('1');
    process.env['ADVLAB_DASHBOARD_HOSTS'] = 'lab.example';
    expect(proxy(request('/runs', { host: 'lab.example:3000' })).headers.get('x-middleware-next')).toBe('1');
  });

  it('answers 403 to any other Host: plain text for pages and assets, JSON for the API', async () => {
    for (const path of ['/', '/runs', '/_next/static/chunks/app.js', '/signin']) {
      const response = proxy(request(path, { host: 'evil.example:3000' }));
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(await response.text()).toContain('ADVLAB_DASHBOARD_HOSTS');
    }
    const api = proxy(request('/api/runs', { host: 'evil.example' }, 'POST'));
    expect(api.status).toBe(403);
    expect(await api.json()).toMatchObject({ error: { code: 'PERMISSION_DENIED' } });
  });

  it('in token mode sends pages without a session to /signin (303) and answers the API 401', async () => {
    process.env['ADVLAB_TOKEN'] = 's3cret';
    const page = proxy(request('/runs?status=running'));
    expect(page.status).toBe(303);
    expect(new URL(page.headers.get('location') ?? '').pathname + new URL(page.headers.get('location') ?? '').search).toBe('/signin?next=%2Fruns%3Fstatus%3Drunning');
    const api = proxy(request('/api/runs/run-1/events'));
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const signedIn = proxy(request('/runs', { cookie: `advlab_session=${sessionValue('s3cret')}` }));
    expect(signedIn.headers.get('x-middleware-next')).toBe('1');
  });

  it('keeps the sign-in page, its route and the build assets open without a session', () => {
    process.env['ADVLAB_TOKEN'] = 's3cret';
    for (const path of ['/signin', '/api/session', '/_next/static/chunks/app.js', '/favicon.ico']) expect(proxy(request(path)).headers.get('x-middleware-next')).toBe('1');
    for (const path of ['/signin/x', '/api/session/x', '/api/sessions', '/_next/image', '/']) expect(isPublicPath(path)).toBe(false);
  });
});
