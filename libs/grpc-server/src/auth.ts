import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { timingSafeEqual } from 'node:crypto';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A server interceptor that requires `authorization: Bearer <token>` metadata
 * on every call, except methods whose path starts with one of `openPrefixes`
 * (e.g. health checks). Calls without it end with UNAUTHENTICATED.
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
