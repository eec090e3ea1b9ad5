import type { TrainerServiceServer } from '@advlab/contract';
import { serverStream, unary, type Logger, type WorkPool } from '@advlab/grpc-server';
import type { Registry } from '@advlab/registry';
import { datasetHandlers } from './handlers/datasets';
import { attack, evaluate, evaluateStream } from './handlers/evaluation';
import { modelHandlers } from './handlers/models';
import { runHandlers } from './handlers/runs';
import { studyHandlers } from './handlers/studies';
import type { WorkerDirectory } from './cluster/workers';
import type { RunDispatcher } from './runs';

/** What the handlers work with. */
export interface TrainerDeps {
  registry: Registry;
  /** Runs: in this process, or queued for workers when scaled out. */
  manager: RunDispatcher;
  logger: Logger;
  /** Slots for Evaluate, Attack and Predict (bounded, with a bounded queue). */
  pool: WorkPool;
  /** The trainer processes sharing the registry (`ListWorkers`). */
  workers: WorkerDirectory;
}

/**
 * Every TrainerService handler, typed against the generated interface: runs, models, datasets
 * and evaluation each have their file under `handlers/`.
 */
export function trainerHandlers(deps: TrainerDeps): TrainerServiceServer {
  return {
    ...runHandlers(deps),
    ...studyHandlers(deps),
    ...modelHandlers(deps),
    ...datasetHandlers(deps),
    evaluate: unary('Evaluate', (request, { signal }) => deps.pool.run(() => evaluate(deps, request, signal), signal)),
    evaluateStream: serverStream('EvaluateStream', (request, { signal }) => evaluateStream(deps, request, signal)),
    attack: unary('Attack', (request, { signal }) => deps.pool.run(() => attack(deps, request, signal), signal)),
    listWorkers: unary('ListWorkers', async (request) => ({ workers: await deps.workers.list(request.includeStopped) })),
  };
}
