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
import {
  bidiStream,
  deadlineExceeded,
  invalidArgument,
  serverInfoService,
  serverStream,
  startGrpcServer,
  WorkPool,
  type Logger,
  type RunningGrpcServer,
} from '@advlab/grpc-server';
import { backendInfo, resolveBackend } from '@advlab/model';
import * as tf from '@tensorflow/tfjs-core';
import { openRegistry, type Registry, type RegistryOptions } from '@advlab/registry';
import { checkUploadSize } from '@advlab/config/resolve';
import { attackFrames, type LiveAttackInput } from './frames';

/**
 * The next message of `incoming`, or 'idle' when none arrives within `ms` (the iterator is
 * left waiting; the caller ends the stream). Ends (done) when `signal` aborts.
 */
async function nextWithin<T>(incoming: AsyncIterator<T>, ms: number, signal: AbortSignal): Promise<IteratorResult<T> | 'idle'> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const waits = [
    incoming.next(),
    new Promise<'idle'>((resolve) => (timer = setTimeout(() => resolve('idle'), ms))),
    new Promise<IteratorResult<T>>((resolve) => {
      onAbort = () => resolve({ done: true, value: undefined });
      signal.addEventListener('abort', onAbort, { once: true });
    }),
  ];
  try {
    return await Promise.race(waits);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

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
  /** PEM certificate chain and key: serve TLS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Attacks computed at once; further calls get RESOURCE_EXHAUSTED. Default 2. */
  maxConcurrentAttacks?: number;
  /** A LiveAttack stream that sends no image for this long is closed. Default 60 s. */
  liveIdleTimeoutMs?: number;
  /** The pixel limit of uploads, and the folders the registry may read (see `RegistryOptions`). */
  files?: RegistryOptions;
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
  const registry = await openRegistry(options.dataDir, options.files);
  const slots = new WorkPool({ concurrency: options.maxConcurrentAttacks ?? 2, maxWaiting: 0, what: 'attack' });
  const idleMs = options.liveIdleTimeoutMs ?? 60_000;

  /** Frames of one image's attack, holding an attack slot and the model for the attack's length only. */
  async function* framesFor(modelId: string, input: LiveAttackInput, signal: AbortSignal) {
    if (!modelId) throw invalidArgument('model_id is required');
    if (input.image?.$case === 'upload') checkUploadSize(input.image.value.data.length, 'upload.data');
    const release = await slots.acquire(signal);
    try {
      const lease = await registry.models.acquire(modelId);
      try {
        yield* attackFrames(registry, lease.loaded, input, signal);
      } finally {
        lease.release();
      }
    } finally {
      release();
    }
  }

  const implementation: AttackStreamServiceServer = {
    streamAttack: serverStream('StreamAttack', async function* (request, { signal }): AsyncGenerator<StreamAttackResponse> {
      for await (const frame of framesFor(request.modelId, request, signal)) yield { frame };
    }),
    // A slot per attack, not per stream: a stream between images holds nothing, and one idle too long is closed.
    liveAttack: bidiStream('LiveAttack', async function* (requests: AsyncIterable<LiveAttackRequest>, { signal }): AsyncGenerator<LiveAttackResponse> {
      const incoming = requests[Symbol.asyncIterator]();
      for (;;) {
        const next = await nextWithin(incoming, idleMs, signal);
        if (next === 'idle') throw deadlineExceeded(`no image for ${idleMs / 1000} s: the live attack stream was closed; open a new one`);
        if (next.done || signal.aborted) return;
        const request = next.value;
        for await (const frame of framesFor(request.modelId, request, signal)) yield { imageId: request.imageId, frame };
      }
    }),
  };

  let grpc: RunningGrpcServer;
  try {
    grpc = await startGrpcServer({
      label: 'attack-server',
      host: options.host,
      port: options.port,
      token: options.token,
      tls: options.tls,
      logger,
      services: [
        { name: ATTACK_STREAM_SERVICE_NAME, definition: AttackStreamServiceService, implementation },
        serverInfoService({
          service: 'attack-server',
          backend: () => backendInfo(backend),
          tensors: () => ({ tensors: tf.memory().numTensors, bytes: tf.memory().numBytes }),
          load: () => ({ runningAttacks: slots.active }),
        }),
      ],
      reflection: { files: ['advlab/v1/attack_stream_service.proto', 'advlab/v1/server_info.proto', HEALTH_PROTO_FILE], includeDirs: [PROTO_ROOT] },
    });
  } catch (err) {
    await registry.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    address: grpc.address,
    port: grpc.port,
    grpc,
    registry,
    activeAttacks: () => slots.active,
    shutdown: () =>
      (closing ??= (async () => {
        await grpc.shutdown();
        await registry.close();
      })()),
  };
}
