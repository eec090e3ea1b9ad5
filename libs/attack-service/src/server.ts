import {
  ATTACK_STREAM_SERVICE_NAME,
  AttackStreamServiceService,
  HEALTH_PROTO_FILE,
  PROTO_ROOT,
  type AttackStreamServiceServer,
  type LiveAttackRequest,
  type LiveAttackResponse,
  type StreamAttackResponse,
} from '@advlab/contract';
import { bidiStream, invalidArgument, resourceExhausted, serverInfoService, serverStream, startGrpcServer, type Logger, type RunningGrpcServer } from '@advlab/grpc-server';
import { backendInfo, resolveBackend } from '@advlab/model';
import * as tf from '@tensorflow/tfjs-core';
import { openRegistry, type Registry } from '@advlab/registry';
import { attackFrames, type LiveAttackInput } from './frames';

/** Default port of the attack server. */
export const ATTACK_SERVER_DEFAULT_PORT = 50052;

export interface AttackServerOptions {
  /** The trainer's data directory: models and datasets are read from it. */
  dataDir: string;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Optional bearer token required on every RPC. */
  token?: string;
  /** Attacks computed at once; further calls get RESOURCE_EXHAUSTED. Default 2. */
  maxConcurrentAttacks?: number;
  logger?: Logger;
}

/** A running attack server. */
export interface AttackServer {
  address: string;
  port: number;
  grpc: RunningGrpcServer;
  registry: Registry;
  /** Attacks running now. */
  activeAttacks(): number;
  shutdown(): Promise<void>;
}

/** Starts the attack-stream gRPC server over the registry in `dataDir`. */
export async function startAttackServer(options: AttackServerOptions): Promise<AttackServer> {
  const logger = options.logger ?? console;
  const backend = await resolveBackend({ log: (line) => logger.info(line) });
  const registry = openRegistry(options.dataDir);
  const limit = options.maxConcurrentAttacks ?? 2;
  let active = 0;

  /** Holds one of the `limit` attack slots for the life of `frames`. */
  async function* limited<T>(frames: () => AsyncGenerator<T>): AsyncGenerator<T> {
    if (active >= limit) throw resourceExhausted(`${limit} attacks are running already; try again when one ends`);
    active++;
    try {
      yield* frames();
    } finally {
      active--;
    }
  }

  /** Frames of one image's attack, with the model held for the whole stream. */
  async function* framesFor(modelId: string, input: LiveAttackInput, signal: AbortSignal) {
    if (!modelId) throw invalidArgument('model_id is required');
    const lease = await registry.models.acquire(modelId);
    try {
      yield* attackFrames(registry, lease.loaded, input, signal);
    } finally {
      lease.release();
    }
  }

  const implementation: AttackStreamServiceServer = {
    streamAttack: serverStream('StreamAttack', (request, { signal }) =>
      limited(async function* (): AsyncGenerator<StreamAttackResponse> {
        for await (const frame of framesFor(request.modelId, request, signal)) yield { frame };
      }),
    ),
    liveAttack: bidiStream('LiveAttack', (requests: AsyncIterable<LiveAttackRequest>, { signal }) =>
      limited(async function* (): AsyncGenerator<LiveAttackResponse> {
        for await (const request of requests) {
          if (signal.aborted) return;
          for await (const frame of framesFor(request.modelId, request, signal)) yield { imageId: request.imageId, frame };
        }
      }),
    ),
  };

  let grpc: RunningGrpcServer;
  try {
    grpc = await startGrpcServer({
      label: 'attack-server',
      host: options.host,
      port: options.port,
      token: options.token,
      logger,
      services: [
        { name: ATTACK_STREAM_SERVICE_NAME, definition: AttackStreamServiceService, implementation },
        serverInfoService({
          service: 'attack-server',
          backend: () => backendInfo(backend),
          tensors: () => ({ tensors: tf.memory().numTensors, bytes: tf.memory().numBytes }),
          load: () => ({ runningAttacks: active }),
        }),
      ],
      reflection: { files: ['advlab/v1/attack_stream_service.proto', 'advlab/v1/server_info.proto', HEALTH_PROTO_FILE], includeDirs: [PROTO_ROOT] },
    });
  } catch (err) {
    registry.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    address: grpc.address,
    port: grpc.port,
    grpc,
    registry,
    activeAttacks: () => active,
    shutdown: () =>
      (closing ??= (async () => {
        await grpc.shutdown();
        registry.close();
      })()),
  };
}
