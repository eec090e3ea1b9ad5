import { activeBackend } from '../backend';
import { Model } from '../model';
import { LocalStepRunner, StepRunner } from '../step_runner';
import { resolveWorkerCount, WorkerStepRunner } from './worker_step_runner';

/** Options of {@link createStepRunner}. */
export interface StepRunnerOptions {
  /** Threads to train with, or `auto` (default; see `resolveWorkerCount`, env `ADVLAB_WORKERS`). */
  readonly workers?: number | 'auto';
  /** Images per batch, for the `auto` decision. Default 32. */
  readonly batchSize?: number;
}

/**
 * A {@link StepRunner} for `model` on the active backend: in this thread for one worker,
 * otherwise over worker threads running the same backend.
 */
export async function createStepRunner(model: Model, opts: StepRunnerOptions = {}): Promise<StepRunner> {
  const backend = activeBackend();
  const workers = resolveWorkerCount(opts.workers ?? 'auto', backend, model, opts.batchSize ?? 32);
  return workers === 1 ? new LocalStepRunner() : WorkerStepRunner.start(model, workers, backend);
}
