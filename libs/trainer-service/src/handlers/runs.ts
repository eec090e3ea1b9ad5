/**
 * Runs: Train, AdversarialTrain and Sweep submit a run and stream its events; WatchRun,
 * ListRuns, GetRun and CancelRun read or stop one. Requests become full specs here (every
 * default filled, checked against the dataset) before anything is queued.
 */
import {
  AdversarialTrainResponse,
  Run,
  RunKind,
  Split,
  SweepConfig,
  SweepRankBy,
  SweepResponse,
  TrainResponse,
  WatchRunResponse,
  type AdversarialTrainRequest,
  type ModelConfig,
  type SweepRequest,
  type TrainerServiceServer,
  type TrainingConfig,
  type TrainRequest,
} from '@advlab/contract';
import { SWEEP_FIELDS } from '@advlab/config';
import { checkField, resolveAdversarialConfig, resolveAttackConfig, resolveModelConfig, resolveTrainingConfig } from '@advlab/config/resolve';
import { invalidArgument, serverStream, unary } from '@advlab/grpc-server';
import { newId } from '@advlab/registry';
import { adversarialVariant } from '../jobs/adversarial';
import { sweepGrid, sweepJob } from '../jobs/sweep';
import { runTraining, type TrainingSpec, type TrainingVariant } from '../jobs/training';
import type { JobBody } from '../runs';
import type { TrainerDeps } from '../service';
import { evaluationImages, robustAccuracy } from './evaluation';

const STANDARD: TrainingVariant = { kind: RunKind.RUN_KIND_TRAIN };

/** A training spec from a request, every default filled, validated against the dataset. */
export async function trainingSpec(
  deps: TrainerDeps,
  request: Pick<TrainRequest, 'datasetId' | 'model' | 'training' | 'name' | 'baseModelId'>,
  kindLabel: string,
): Promise<TrainingSpec> {
  if (!request.datasetId) throw invalidArgument('dataset_id is required');
  const dataset = await deps.registry.datasets.get(request.datasetId);
  let model = request.model;
  if (request.baseModelId) {
    const base = await deps.registry.models.get(request.baseModelId);
    model = model?.featureMaps?.length ? model : base.config;
  }
  const modelConfig = resolveModelConfig(model, dataset.imageSize, dataset.classNames);
  const training = resolveTrainingConfig(request.training);
  const name = request.name || `${kindLabel} [${modelConfig.featureMaps.join(',')}] lr=${training.learningRate} seed=${training.seed}`;
  return { datasetId: request.datasetId, model: modelConfig, training, baseModelId: request.baseModelId || undefined, name };
}

/** The run record of a training: a new id, the spec's name, dataset and configs. */
export function trainingRun(spec: TrainingSpec, variant: TrainingVariant): Run {
  return Run.fromPartial({
    id: newId('run'),
    name: spec.name,
    kind: variant.kind,
    datasetId: spec.datasetId,
    model: spec.model,
    training: spec.training,
    adversarial: spec.adversarial,
    baseModelId: spec.baseModelId ?? '',
  });
}

/** Registers a run for `spec` and queues its job. */
export function submitTraining(deps: TrainerDeps, spec: TrainingSpec, variant: TrainingVariant): Promise<Run> {
  return deps.manager.submit(trainingRun(spec, variant), (ctx) => runTraining(ctx, deps.registry, spec, variant));
}

/** Validates every configuration of a sweep, then queues the sweep as one run. */
export async function submitSweep(deps: TrainerDeps, request: SweepRequest): Promise<Run> {
  const { run, body } = await prepareSweep(deps, request);
  return deps.manager.submit(run, body);
}

/** A sweep's run record and job, every configuration validated (a Sweep call, or a study's tuning). */
export async function prepareSweep(deps: TrainerDeps, request: SweepRequest): Promise<{ run: Run; body: JobBody }> {
  if (!request.datasetId) throw invalidArgument('dataset_id is required');
  const sweep = request.sweep ?? SweepConfig.fromPartial({});
  const points = sweepGrid({ model: request.model, training: request.training }, sweep.axes);
  const name = request.name || `sweep of ${points.length} over ${sweep.axes.map((a) => a.path).join(' x ')}`;
  const specs = [];
  for (const point of points) {
    const request_ = { datasetId: request.datasetId, model: point.model as ModelConfig, training: point.training as TrainingConfig, name, baseModelId: '' };
    specs.push({ point, spec: await trainingSpec(deps, request_, 'trial') });
  }
  const run = Run.fromPartial({
    id: newId('run'),
    name,
    kind: RunKind.RUN_KIND_SWEEP,
    datasetId: request.datasetId,
    model: specs[0].spec.model,
    training: specs[0].spec.training,
    sweep,
  });
  return { run, body: sweepJob(deps.manager, specs, sweep, (ctx, spec) => runTraining(ctx, deps.registry, spec, STANDARD), robustRanking(deps, request)) };
}

/** For sweeps ranked by robust accuracy: a trial model's accuracy under the sweep's attack on a validation subset. */
function robustRanking(deps: TrainerDeps, request: SweepRequest): ((modelId: string, signal: AbortSignal) => Promise<number>) | undefined {
  if (request.sweep?.rankBy !== SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY) return undefined;
  const attack = resolveAttackConfig(request.sweep.robustAttack, 'evaluate', 'sweep.robust_attack');
  const count = checkField(SWEEP_FIELDS.robustImages, request.sweep.robustImages ?? (SWEEP_FIELDS.robustImages.default as number));
  return async (modelId, signal) => {
    const { images } = await evaluationImages(deps.registry, modelId, { datasetId: '', split: Split.SPLIT_VALIDATION, maxImages: count, seed: 0 });
    return robustAccuracy(deps.registry, modelId, images, attack, signal);
  };
}

/** Adversarial training: the request's adversarial config with defaults, then a run of that variant. */
export async function submitAdversarialTraining(deps: TrainerDeps, request: AdversarialTrainRequest): Promise<Run> {
  const adversarial = resolveAdversarialConfig(request.adversarial);
  const spec = { ...(await trainingSpec(deps, request, 'adversarial')), adversarial };
  return submitTraining(deps, spec, adversarialVariant(adversarial));
}

/** The run handlers of the TrainerService. */
export function runHandlers(deps: TrainerDeps): Pick<TrainerServiceServer, 'train' | 'adversarialTrain' | 'sweep' | 'watchRun' | 'listRuns' | 'getRun' | 'cancelRun'> {
  const { registry, manager } = deps;
  return {
    train: serverStream('Train', async function* (request, { signal }) {
      const run = await submitTraining(deps, await trainingSpec(deps, request, 'train'), STANDARD);
      for await (const event of manager.watch(run.id, 0, signal)) yield TrainResponse.fromPartial({ event });
    }),
    adversarialTrain: serverStream('AdversarialTrain', async function* (request, { signal }) {
      const run = await submitAdversarialTraining(deps, request);
      for await (const event of manager.watch(run.id, 0, signal)) yield AdversarialTrainResponse.fromPartial({ event });
    }),
    sweep: serverStream('Sweep', async function* (request, { signal }) {
      const run = await submitSweep(deps, request);
      for await (const event of manager.watch(run.id, 0, signal)) yield SweepResponse.fromPartial({ event });
    }),
    watchRun: serverStream('WatchRun', async function* (request, { signal }) {
      if (!request.runId) throw invalidArgument('run_id is required');
      for await (const event of manager.watch(request.runId, request.afterSequence, signal)) yield WatchRunResponse.fromPartial({ event });
    }),
    listRuns: unary('ListRuns', async (request) => registry.runs.list(request)),
    getRun: unary('GetRun', async (request) => {
      if (!request.runId) throw invalidArgument('run_id is required');
      return { run: await manager.get(request.runId) };
    }),
    cancelRun: unary('CancelRun', async (request) => {
      if (!request.runId) throw invalidArgument('run_id is required');
      return { run: await manager.cancel(request.runId) };
    }),
  };
}
