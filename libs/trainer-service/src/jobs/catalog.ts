import { RunKind, type AdversarialConfig, type Run } from '@advlab/contract';
import type { JobBody } from '../runs';
import type { TrainerDeps } from '../service';
import { adversarialVariant } from './adversarial';
import { studyJob } from './study';
import { sweepJobOfRun } from './sweep-run';
import { runTraining, type TrainingSpec, type TrainingVariant } from './training';

/** The standard training loop. */
export const STANDARD: TrainingVariant = { kind: RunKind.RUN_KIND_TRAIN };

/** The training spec a stored training run was submitted with (its record holds every resolved field). */
export function specOfRun(run: Run): TrainingSpec {
  if (!run.model || !run.training) throw new Error(`run ${run.id} has no model or training config`);
  return {
    datasetId: run.datasetId,
    model: run.model,
    training: run.training,
    baseModelId: run.baseModelId || undefined,
    adversarial: run.adversarial,
    name: run.name,
  };
}

/**
 * The job of a stored run, from its record alone: what any process (this one,
 * or a worker on another machine) runs for it. Every kind of run is built
 * here, so a run submitted on one machine trains the same on any other.
 */
export function jobForRun(deps: TrainerDeps, run: Run): JobBody {
  switch (run.kind) {
    case RunKind.RUN_KIND_TRAIN:
      return (ctx) => runTraining(ctx, deps.registry, specOfRun(run), STANDARD);
    case RunKind.RUN_KIND_ADVERSARIAL_TRAIN:
      return (ctx) => runTraining(ctx, deps.registry, specOfRun(run), adversarialVariant(run.adversarial as AdversarialConfig));
    case RunKind.RUN_KIND_SWEEP:
      return sweepJobOfRun(deps, run);
    case RunKind.RUN_KIND_STUDY:
      return studyJob(deps);
    default:
      throw new Error(`run ${run.id} is of kind ${RunKind[run.kind]}, which has no job`);
  }
}
