import { HEALTH_PROTO_FILE, PROTO_ROOT, TRAINER_SERVICE_NAME, TrainerServiceService, WorkerRole } from '@advlab/contract';
import { serverInfoService, startGrpcServer, WorkPool, type Logger, type RunningGrpcServer } from '@advlab/grpc-server';
import { backendInfo, backendThreads, resolveBackend, type ResolvedBackend } from '@advlab/model';
import * as tf from '@tensorflow/tfjs-core';
import { openRegistry, type Registry, type RegistryOptions } from '@advlab/registry';
import { RunManager } from './runs';
import { resumeStudy } from './handlers/studies';
import { trainerHandlers } from './service';
import { localWorkers, newWorkerIdentity } from './cluster/workers';
import { jobForRun } from './jobs/catalog';

/** Default port of the trainer service. */
export const TRAINER_DEFAULT_PORT = 50051;

export interface TrainerServerOptions {
  /** Where runs, models and dataset caches live (created if missing). */
  dataDir: string;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Optional bearer token required on every RPC. */
  token?: string;
  /** PEM certificate chain and key: serve TLS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Training jobs running at once; the rest queue. Default 1. */
  concurrency?: number;
  /** Runs waiting for a slot; one more is refused with RESOURCE_EXHAUSTED. Default 32. */
  maxQueuedRuns?: number;
  /** Evaluate, Attack and Predict calls computing at once, and waiting. Default 2 and 8. */
  evaluation?: { concurrency: number; maxWaiting: number };
  /** Folders imports and folder predictions may read, caps on each read, the pixel limit (see `RegistryOptions`). */
  files?: RegistryOptions;
  logger?: Logger;
}

/** A running trainer: its gRPC server, registry and run manager. */
export interface TrainerServer {
  address: string;
  port: number;
  grpc: RunningGrpcServer;
  registry: Registry;
  manager: RunManager;
  /** The tensor backend it computes on. */
  backend: ResolvedBackend;
  /** Health NOT_SERVING, running jobs interrupted (checkpoints stay whole), calls drained, registry closed. */
  shutdown(): Promise<void>;
}

/** Opens the registry, recovers interrupted runs and starts the trainer gRPC server. */
export async function startTrainerServer(options: TrainerServerOptions): Promise<TrainerServer> {
  const logger = options.logger ?? console;
  const backend = await resolveBackend({ log: (line) => logger.info(line) });
  const registry = await openRegistry(options.dataDir, options.files);
  const manager = new RunManager(registry.runs, { concurrency: options.concurrency, maxQueued: options.maxQueuedRuns, logger });
  const pool = new WorkPool({ concurrency: options.evaluation?.concurrency ?? 2, maxWaiting: options.evaluation?.maxWaiting ?? 8, what: 'evaluation' });
  const roots = await registry.datasets.fileRoots().catch(async (err: unknown) => {
    await registry.close();
    throw err;
  });
  logger.info(`imports and folder predictions read only under ${roots.roots.join(', ')}`);
  const leftovers = await registry.models.removeLeftovers();
  if (leftovers.length) logger.warn(`removed ${leftovers.length} unfinished checkpoint file(s) of interrupted runs`);
  const datasetLeftovers = await registry.datasets.removeLeftovers();
  if (datasetLeftovers.length) logger.warn(`removed ${datasetLeftovers.length} dataset folder(s) of unfinished or replaced imports`);
  // After the clean-up: a resumed study writes new checkpoints at once.
  const identity = newWorkerIdentity({
    role: WorkerRole.WORKER_ROLE_ALL,
    backend: backend.name,
    threads: backendThreads(),
    slots: options.concurrency ?? 1,
  });
  const workers = localWorkers(identity, () => manager.runningIds());
  const deps = { registry, manager, logger, pool, workers };
  manager.setJobFor((run) => jobForRun(deps, run));
  const recovered = await manager.recoverInterrupted((run) => resumeStudy(deps, run));
  if (recovered.interrupted) logger.warn(`${recovered.interrupted} run(s) were cut short by the last stop and are marked interrupted`);
  if (recovered.resumed) logger.info(`${recovered.resumed} stud${recovered.resumed === 1 ? 'y' : 'ies'} cut short by the last stop resume where they were`);
  const implementation = trainerHandlers(deps);
  let grpc: RunningGrpcServer;
  try {
    grpc = await startGrpcServer({
      label: 'trainer',
      host: options.host,
      port: options.port,
      token: options.token,
      tls: options.tls,
      logger,
      services: [
        { name: TRAINER_SERVICE_NAME, definition: TrainerServiceService, implementation },
        serverInfoService({
          service: 'trainer',
          backend: () => backendInfo(backend),
          tensors: () => ({ tensors: tf.memory().numTensors, bytes: tf.memory().numBytes }),
          load: () => ({ runningRuns: manager.runningCount(), queuedRuns: manager.queuedCount() }),
        }),
      ],
      reflection: { files: ['advlab/v1/trainer_service.proto', 'advlab/v1/server_info.proto', HEALTH_PROTO_FILE], includeDirs: [PROTO_ROOT] },
    });
  } catch (err) {
    await manager.shutdown();
    await registry.close();
    throw err;
  }
  logger.info(`trainer data in ${options.dataDir} (backend ${backend.name})`);
  let closing: Promise<void> | undefined;
  return {
    address: grpc.address,
    port: grpc.port,
    grpc,
    registry,
    manager,
    backend,
    shutdown: () =>
      (closing ??= (async () => {
        grpc.health.setStatus('', 'NOT_SERVING');
        grpc.health.setStatus(TRAINER_SERVICE_NAME, 'NOT_SERVING');
        await manager.shutdown();
        await grpc.shutdown();
        await registry.close();
      })()),
  };
}
