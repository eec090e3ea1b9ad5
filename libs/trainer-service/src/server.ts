import { HEALTH_PROTO_FILE, PROTO_ROOT, TRAINER_SERVICE_NAME, TrainerServiceService, WorkerRole, type Run } from '@advlab/contract';
import { serverInfoService, startGrpcServer, WorkPool, type Logger, type RunningGrpcServer } from '@advlab/grpc-server';
import { backendInfo, backendThreads, resolveBackend, type ResolvedBackend } from '@advlab/model';
import * as tf from '@tensorflow/tfjs-core';
import { openRegistry, redactDatabaseUrl, type Registry, type RegistryOptions } from '@advlab/registry';
import { RunManager, type RunDispatcher } from './runs';
import { resumeStudy } from './handlers/studies';
import { trainerHandlers, type TrainerDeps } from './service';
import { Cluster, roleTrains } from './cluster/cluster';
import { ClusterDispatcher, clusterChildRunner, startClusterWorker } from './cluster/distributed';
import { localWorkers, newWorkerIdentity, type WorkerDirectory, type WorkerIdentity } from './cluster/workers';
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
  /**
   * Folders imports and folder predictions may read, caps on each read, the
   * pixel limit, and the PostgreSQL URL that scales the trainer out (see `RegistryOptions`).
   */
  files?: RegistryOptions;
  /**
   * What this process does when scaled out (a database URL given): `api`
   * (answers clients, trains nothing), `worker` (trains runs from the queue)
   * or `all` (both; the default). Without a database URL it is always `all`, alone.
   */
  role?: WorkerRole;
  /** Lease and heartbeat of a scaled-out worker (default 10 s and a fifth of it). */
  cluster?: { leaseMs?: number; heartbeatMs?: number };
  logger?: Logger;
}

/** A running trainer: its gRPC server, registry and run manager. */
export interface TrainerServer {
  address: string;
  port: number;
  grpc: RunningGrpcServer;
  registry: Registry;
  /** Runs this process executes. */
  manager: RunManager;
  /** How runs are queued and watched: `manager`, or the PostgreSQL queue when scaled out. */
  dispatcher: RunDispatcher;
  /** Scaled out: this process's membership (workers, queue, leases). */
  cluster?: Cluster;
  /** Its identity (`ListWorkers`). */
  identity: WorkerIdentity;
  /** The tensor backend it computes on. */
  backend: ResolvedBackend;
  /** Health NOT_SERVING, running jobs interrupted (checkpoints stay whole), calls drained, registry closed. */
  shutdown(): Promise<void>;
}

/** Opens the registry, recovers interrupted runs (or joins the other processes sharing its database) and starts the trainer gRPC server. */
export async function startTrainerServer(options: TrainerServerOptions): Promise<TrainerServer> {
  const logger = options.logger ?? console;
  const backend = await resolveBackend({ log: (line) => logger.info(line) });
  const registry = await openRegistry(options.dataDir, options.files);
  const databaseUrl = options.files?.databaseUrl;
  const role = databaseUrl ? (options.role ?? WorkerRole.WORKER_ROLE_ALL) : WorkerRole.WORKER_ROLE_ALL;
  const identity = newWorkerIdentity({ role, backend: backend.name, threads: backendThreads(), slots: options.concurrency ?? 1 });
  const pool = new WorkPool({ concurrency: options.evaluation?.concurrency ?? 2, maxWaiting: options.evaluation?.maxWaiting ?? 8, what: 'evaluation' });
  const roots = await registry.datasets.fileRoots().catch(async (err: unknown) => {
    await registry.close();
    throw err;
  });
  logger.info(`imports and folder predictions read only under ${roots.roots.join(', ')}`);

  let cluster: Cluster | undefined;
  let manager: RunManager;
  let dispatcher: RunDispatcher;
  let workers: WorkerDirectory;
  const deps = { registry, logger, pool } as TrainerDeps;
  const jobFor = (run: Run) => jobForRun(deps, run);
  if (databaseUrl) {
    try {
      cluster = await Cluster.join({ databaseUrl, registry, identity, logger, leaseMs: options.cluster?.leaseMs, heartbeatMs: options.cluster?.heartbeatMs });
    } catch (err) {
      await registry.close();
      throw err;
    }
    const joined = cluster;
    manager = new RunManager(registry.runs, {
      logger,
      jobFor,
      workerId: identity.id,
      childRunner: clusterChildRunner(joined, registry.runs),
      onStored: (event) => void joined.notifyStored(event.runId),
      onProgress: (event) => joined.notifyProgress(event),
    });
    dispatcher = new ClusterDispatcher(joined, registry.runs);
    workers = joined;
    logger.info(`trainer ${identity.id} (${WorkerRole[role].replace('WORKER_ROLE_', '').toLowerCase()}) on ${redactDatabaseUrl(databaseUrl)}`);
  } else {
    manager = new RunManager(registry.runs, { concurrency: options.concurrency, maxQueued: options.maxQueuedRuns, logger, jobFor, workerId: identity.id });
    dispatcher = manager;
    workers = localWorkers(identity, () => manager.runningIds());
    const leftovers = await registry.models.removeLeftovers();
    if (leftovers.length) logger.warn(`removed ${leftovers.length} unfinished checkpoint file(s) of interrupted runs`);
  }
  const datasetLeftovers = await registry.datasets.removeLeftovers();
  if (datasetLeftovers.length) logger.warn(`removed ${datasetLeftovers.length} dataset folder(s) of unfinished or replaced imports`);
  Object.assign(deps, { manager: dispatcher, workers });
  if (!cluster) {
    // After the clean-up: a resumed study writes new checkpoints at once.
    const recovered = await manager.recoverInterrupted((run) => resumeStudy(deps, run));
    if (recovered.interrupted) logger.warn(`${recovered.interrupted} run(s) were cut short by the last stop and are marked interrupted`);
    if (recovered.resumed) logger.info(`${recovered.resumed} stud${recovered.resumed === 1 ? 'y' : 'ies'} cut short by the last stop resume where they were`);
  } else if (roleTrains(role)) {
    await startClusterWorker({ cluster, manager, jobFor, logger, slots: options.concurrency ?? 1 });
  }
  const leave = async () => {
    // No new jobs first, then the running ones are stopped (left for other workers), then goodbye.
    const pulled = cluster?.stopPulling();
    await manager.shutdown();
    await pulled;
    await cluster?.leave();
  };
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
          load: () => ({ runningRuns: manager.runningCount(), queuedRuns: cluster ? cluster.queuedCount() : manager.queuedCount() }),
        }),
      ],
      reflection: { files: ['advlab/v1/trainer_service.proto', 'advlab/v1/server_info.proto', HEALTH_PROTO_FILE], includeDirs: [PROTO_ROOT] },
    });
  } catch (err) {
    await leave();
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
    dispatcher,
    cluster,
    identity,
    backend,
    shutdown: () =>
      (closing ??= (async () => {
        grpc.health.setStatus('', 'NOT_SERVING');
        grpc.health.setStatus(TRAINER_SERVICE_NAME, 'NOT_SERVING');
        await leave();
        await grpc.shutdown();
        await registry.close();
      })()),
  };
}
