import {
  ATTACK_STREAM_SERVICE_NAME,
  AttackStreamServiceService,
  HEALTH_PROTO_FILE,
  PROTO_ROOT,
} from '@advlab/contract';
import { startGrpcServer, withUnimplemented, type Logger, type RunningGrpcServer } from '@advlab/grpc-server';

/** Default port of the attack server. */
export const ATTACK_SERVER_DEFAULT_PORT = 50052;

export interface AttackServerOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Optional bearer token required on every RPC. */
  token?: string;
  logger?: Logger;
}

/** Starts the attack-stream gRPC server (AttackStreamService + health + reflection). */
export async function startAttackServer(options: AttackServerOptions = {}): Promise<RunningGrpcServer> {
  const implementation = withUnimplemented(
    AttackStreamServiceService,
    {},
    (method) => `the attack server's ${method} handler arrives with the attacks and services work`,
  );
  return startGrpcServer({
    label: 'attack-server',
    host: options.host,
    port: options.port,
    token: options.token,
    logger: options.logger,
    services: [{ name: ATTACK_STREAM_SERVICE_NAME, definition: AttackStreamServiceService, implementation }],
    reflection: { files: ['advlab/v1/attack_stream_service.proto', HEALTH_PROTO_FILE], includeDirs: [PROTO_ROOT] },
  });
}
