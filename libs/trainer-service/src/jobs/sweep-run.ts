import { Split, SweepRankBy, type ModelConfig, type Run, type SweepConfig, type SweepTrial, type TrainingConfig } from '@advlab/contract';
import { SWEEP_FIELDS } from '@advlab/config';
import { checkField, resolveAttackConfig } from '@advlab/config/resolve';
import { trainingSpec } from '../handlers/runs';
import { evaluationImages, robustAccuracy } from '../handlers/evaluation';
import type { JobBody } from '../runs';
import type { TrainerDeps } from '../service';
import { sweepGrid, sweepJob, type SweepPoint } from './sweep';
import type { TrainingSpec } from './training';

/** Every trial's spec of a sweep, validated against the dataset. */
export async function sweepSpecs(
  deps: TrainerDeps,
  request: { datasetId: string; model?: ModelConfig; training?: TrainingConfig; sweep: SweepConfig; name: string },
): Promise<{ spec: TrainingSpec; point: SweepPoint }[]> {
  const specs: { spec: TrainingSpec; point: SweepPoint }[] = [];
  for (const point of sweepGrid({ model: request.model, training: request.training }, request.sweep.axes)) {
    const trial = { datasetId: request.datasetId, model: point.model as ModelConfig, training: point.training as TrainingConfig, name: request.name, baseModelId: '' };
    specs.push({ point, spec: await trainingSpec(deps, trial, 'trial') });
  }
  return specs;
}

/** For sweeps ranked by robust accuracy: a trial model's accuracy under the sweep's attack on a validation subset. */
export function robustRanking(deps: TrainerDeps, sweep: SweepConfig | undefined): ((modelId: string, signal: AbortSignal) => Promise<number>) | undefined {
  if (sweep?.rankBy !== SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY) return undefined;
  const attack = resolveAttackConfig(sweep.robustAttack, 'evaluate', 'sweep.robust_attack');
  const count = checkField(SWEEP_FIELDS.robustImages, sweep.robustImages ?? (SWEEP_FIELDS.robustImages.default as number));
  return async (modelId, signal) => {
    const { images } = await evaluationImages(deps.registry, modelId, { datasetId: '', split: Split.SPLIT_VALIDATION, maxImages: count, seed: 0 });
    return robustAccuracy(deps.registry, modelId, images, attack, signal);
  };
}

/**
 * The job of a stored sweep run. Its record holds the first configuration of
 * the grid and the axes; every axis sets its field in every configuration, so
 * the grid over that first configuration is the grid that was submitted.
 */
export function sweepJobOfRun(deps: TrainerDeps, run: Run): JobBody {
  return async (ctx) => {
    const sweep = run.sweep as SweepConfig;
    const specs = await sweepSpecs(deps, { datasetId: run.datasetId, model: run.model, training: run.training, sweep, name: run.name });
    const recorded = async (id: string): Promise<SweepTrial[]> =>
      (await deps.registry.runs.eventsOf(id, 'trial')).flatMap((e) => (e.event?.$case === 'trial' ? [e.event.value] : []));
    return sweepJob(specs, sweep, recorded, robustRanking(deps, sweep))(ctx);
  };
}
