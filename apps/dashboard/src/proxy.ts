import { NextResponse, type NextRequest } from 'next/server';
import { checkAccess, refusalResponse } from '@advlab/dashboard-data-access/security';

/** Paths reachable without a session: the sign-in page and its route, Next's build assets, the icon. */
export function isPublicPath(pathname: string): boolean {
  return pathname === '/signin' || pathname === '/api/session' || pathname.startsWith('/_next/static/') || pathname === '/favicon.ico';
}

/**
 * Runs before every page, route and asset: a Host the dashboard does not answer to gets 403
 * (this is what stops DNS rebinding), and when `ADVLAB_TOKEN` is set a request without a
 * session goes to the sign-in page (pages, 303) or gets 401 (API routes). The route handlers
 * check again (`guardRequest`), with the origin, content type and body size of writes.
 */
export function proxy(request: NextRequest): Response {
  const { pathname, search } = request.nextUrl;
  const refusal = checkAccess(request, { requireSession: !isPublicPath(pathname) });
  if (!refusal) return NextResponse.next();
  if (pathname === '/api' || pathname.startsWith('/api/')) return refusalResponse(refusal);
  if (refusal.status === 401) {
    // Next.js turns a same-origin Location into a relative one, so the browser stays on the name it used.
    const signIn = new URL(`/signin?next=${encodeURIComponent(`${pathname}${search}`)}`, request.url);
    const response = NextResponse.redirect(signIn, 303);
    response.headers.set('Cache-Control', 'no-store');
    return response;
  }
  return new Response(`${refusal.message}\n`, { status: refusal.status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
}

export const config = {
  matcher: '/:path*',
};
