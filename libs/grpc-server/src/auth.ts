import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares in constant time without revealing the expected token's length: both sides are
 * hashed first, so the comparison always runs over 32 bytes whatever was sent.
 */
export function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * A server interceptor that requires `authorization: Bearer <token>` metadata
 * on every call, except methods whose path starts with one of `openPrefixes`
 * (health checks, for probes). Calls without it end with UNAUTHENTICATED:
 * unary, server-streaming and bidirectional alike, before the handler runs.
 */
export function bearerTokenInterceptor(token: string, openPrefixes: string[]): ServerInterceptor {
  return (methodDescriptor, call) =>
    new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata: Metadata, mdNext) => {
            const path = methodDescriptor.path.replace(/^\//, '');
            if (openPrefixes.some((p) => path.startsWith(p))) return mdNext(metadata);
            const header = String(metadata.get('authorization')[0] ?? '');
            const match = /^Bearer\s+(.+)$/i.exec(header);
            if (match && sameToken(match[1].trim(), token)) return mdNext(metadata);
            call.sendStatus({
              code: status.UNAUTHENTICATED,
              details: match ? 'invalid bearer token' : 'missing "authorization: Bearer <token>" metadata',
              metadata: new Metadata(),
            });
          },
        });
      },
    });
}
