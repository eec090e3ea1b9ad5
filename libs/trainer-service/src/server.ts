import {
  HEALTH_PROTO_FILE,
  PROTO_ROOT,
  TRAINER_SERVICE_NAME,
  TrainerServiceService,
} from '@advlab/contract';
import { startGrpcServer, withUnimplemented, type Logger, type RunningGrpcServer } from '@advlab/grpc-server';

/** Default port of the trainer service. */
export const TRAINER_DEFAULT_PORT = 50051;

export interface TrainerServerOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Optional bearer token required on every RPC. */
  token?: string;
  logger?: Logger;
}

/** Starts the trainer gRPC server (TrainerService + health + reflection). */
export async function startTrainerServer(options: TrainerServerOptions = {}): Promise<RunningGrpcServer> {
  const implementation = withUnimplemented(
    TrainerServiceService,
    {},
    (method) => `the trainer's ${method} handler arrives with the services work (runs, models, datasets over the ML libs)`,
  );
  return startGrpcServer({
    label: 'trainer',
    host: options.host,
    port: options.port,
    token: options.token,
    logger: options.logger,
    services: [{ name: TRAINER_SERVICE_NAME, definition: TrainerServiceService, implementation }],
    reflection: { files: ['advlab/v1/trainer_service.proto', HEALTH_PROTO_FILE], includeDirs: [PROTO_ROOT] },
  });
}
