import * as grpc from '@grpc/grpc-js';
import * as fs from 'node:fs';

/** How a client reaches advlab's services: the bearer token and the TLS trust root, if any. */
export interface ConnectionSettings {
  /** Sent as `authorization: Bearer <token>` on every call. */
  readonly token?: string;
  /** PEM certificates to trust: connect with TLS when set. */
  readonly tlsCa?: Buffer;
  /** Name to check the server certificate against, when it differs from the address's host. */
  readonly tlsServerName?: string;
}

/**
 * Connection settings from the environment:
 * - `ADVLAB_TOKEN`: the bearer token;
 * - `ADVLAB_TLS_CA`: PEM file of the certificate(s) to trust; connects with TLS. On the
 *   services' own machine `ADVLAB_TLS_CERT` (the servers' certificate, e.g. a self-signed one)
 *   is trusted when `ADVLAB_TLS_CA` is unset;
 * - `ADVLAB_TLS_SERVER_NAME`: the name the certificate is checked against (default: the host).
 */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const caFile = env.ADVLAB_TLS_CA?.trim() || env.ADVLAB_TLS_CERT?.trim();
  let tlsCa: Buffer | undefined;
  if (caFile) {
    try {
      tlsCa = fs.readFileSync(caFile);
    } catch (err) {
      throw new Error(`${env.ADVLAB_TLS_CA?.trim() ? 'ADVLAB_TLS_CA' : 'ADVLAB_TLS_CERT'}=${caFile} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { token: env.ADVLAB_TOKEN?.trim() || undefined, tlsCa, tlsServerName: env.ADVLAB_TLS_SERVER_NAME?.trim() || undefined };
}

/** A client interceptor adding `authorization: Bearer <token>` to every call. */
export function bearerTokenClientInterceptor(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/**
 * Channel credentials and client options for `settings`: TLS with the given trust root or
 * plaintext, and the token on every call. `channelOptions` are merged in.
 */
export function clientCredentials(
  settings: ConnectionSettings,
  channelOptions: grpc.ChannelOptions = {},
): { credentials: grpc.ChannelCredentials; options: Partial<grpc.ClientOptions> } {
  const credentials = settings.tlsCa ? grpc.credentials.createSsl(settings.tlsCa) : grpc.credentials.createInsecure();
  const options: Partial<grpc.ClientOptions> = { ...channelOptions };
  if (settings.tlsServerName) options['grpc.ssl_target_name_override'] = settings.tlsServerName;
  if (settings.token) options.interceptors = [bearerTokenClientInterceptor(settings.token)];
  return { credentials, options };
}
