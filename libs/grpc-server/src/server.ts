import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { setInternalErrorSink } from './handlers';
import { bearerTokenInterceptor } from './auth';

/** Largest message either way: image batches, galleries, checkpoints. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** One gRPC service to serve. */
export interface ServiceRegistration {
  /** Fully qualified name, e.g. "advlab.v1.TrainerService" (health and reflection use it). */
  name: string;
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

/** A minimal logger; `console` fits. */
export interface Logger {
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

export interface GrpcServerOptions {
  /** Short name for logs, e.g. "trainer". */
  label: string;
  services: ServiceRegistration[];
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port to bind; 0 picks a free one. Default 0. */
  port?: number;
  /** Proto files (relative to the include dirs) exposed through server reflection. */
  reflection?: { files: string[]; includeDirs: string[] };
  /** Max receive and send message size in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /**
   * When set, every call except health checks (reflection included) needs
   * `authorization: Bearer <token>`. Required to listen on anything but a loopback address.
   */
  token?: string;
  /** PEM certificate chain and private key: serve TLS instead of plaintext. */
  tls?: { cert: Buffer; key: Buffer };
  /** Grace period for in-flight calls at shutdown before they are cut. Default 10 s. */
  shutdownTimeoutMs?: number;
  logger?: Logger;
}

/** A server that is up. */
export interface RunningGrpcServer {
  server: grpc.Server;
  /** host:port it listens on. */
  address: string;
  port: number;
  health: HealthImplementation;
  /**
   * Graceful shutdown: marks every service NOT_SERVING, stops accepting calls,
   * waits for in-flight calls up to the timeout, then cuts the rest. Resolves
   * once the server is closed; calling it again returns the same promise.
   */
  shutdown(): Promise<void>;
}

const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** Builds, binds and starts a server with health, reflection and size limits. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const host = options.host ?? '127.0.0.1';
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const logger = options.logger ?? console;
  setInternalErrorSink((err, method, incidentId) => logger.error(`${options.label}: ${method} failed${incidentId ? ` (incident ${incidentId})` : ''}:`, err));
  if (!isLoopback(host) && !options.token) {
    throw new Error(
      `${options.label}: refusing to listen on ${host} without a token: anyone who can reach it could train, read and delete models. ` +
        'Set ADVLAB_TOKEN (and ADVLAB_TLS_CERT / ADVLAB_TLS_KEY so that the token is not sent in plaintext), or listen on 127.0.0.1.',
    );
  }
  if (!isLoopback(host) && !options.tls) {
    logger.warn(`${options.label}: listening on ${host} without TLS: the bearer token crosses the network in plaintext (set ADVLAB_TLS_CERT and ADVLAB_TLS_KEY)`);
  }

  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    // Reflection describes the whole API: it needs the token like the calls it describes.
    interceptors: options.token ? [bearerTokenInterceptor(options.token, [HEALTH_SERVICE])] : [],
  });

  const statuses: Record<string, 'SERVING'> = { '': 'SERVING' };
  for (const s of options.services) {
    server.addService(s.definition, s.implementation);
    statuses[s.name] = 'SERVING';
  }
  const health = new HealthImplementation(statuses);
  health.addToServer(server);

  if (options.reflection) {
    const definition = protoLoader.loadSync(options.reflection.files, {
      includeDirs: options.reflection.includeDirs,
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    new ReflectionService(definition).addToServer(server);
  }

  const bindAddress = host.includes(':') && !host.startsWith('[') ? `[${host}]:${options.port ?? 0}` : `${host}:${options.port ?? 0}`;
  const port = await new Promise<number>((resolve, reject) => {
    const credentials = options.tls
      ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }], false)
      : grpc.ServerCredentials.createInsecure();
    server.bindAsync(bindAddress, credentials, (err, boundPort) =>
      err ? reject(new Error(`${options.label}: cannot listen on ${bindAddress}: ${err.message}`)) : resolve(boundPort),
    );
  });
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const name of Object.keys(statuses)) health.setStatus(name, 'NOT_SERVING');
      const timeout = options.shutdownTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        logger.warn(`${options.label}: calls still running after ${timeout} ms, closing them`);
        server.forceShutdown();
        resolve();
      }, timeout);
      timer.unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return closing;
  };

  return { server, address, port, health, shutdown };
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Anything with a graceful `shutdown`: a gRPC server or a service wrapping one. */
export interface Stoppable {
  shutdown(): Promise<void>;
}

/**
 * Shuts the given servers down gracefully on SIGINT / SIGTERM, then runs
 * `onClosed` (release resources, exit). A second signal exits at once.
 */
export function shutdownOnSignals(
  servers: Stoppable[],
  logger: Logger,
  onClosed: () => Promise<void> | void = () => undefined,
): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: shutting down`);
    Promise.all(servers.map((s) => s.shutdown()))
      .then(() => onClosed())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error('error during shutdown', err);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
