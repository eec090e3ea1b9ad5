/**
 * Runs: Train, AdversarialTrain and Sweep submit a run and stream its events; WatchRun,
 * ListRuns, GetRun and CancelRun read or stop one. Requests become full specs here (every
 * default filled, checked against the dataset) before anything is queued.
 */
import {
  AdversarialTrainResponse,
  Run,
  RunKind,
  SweepConfig,
  SweepResponse,
  TrainResponse,
  WatchRunResponse,
  type AdversarialTrainRequest,
  type SweepRequest,
  type TrainerServiceServer,
  type TrainRequest,
} from '@advlab/contract';
import { resolveAdversarialConfig, resolveModelConfig, resolveTrainingConfig } from '@advlab/config/resolve';
import { invalidArgument, serverStream, unary } from '@advlab/grpc-server';
import { newId } from '@advlab/registry';
import { adversarialVariant } from '../jobs/adversarial';
import { jobForRun, STANDARD } from '../jobs/catalog';
import { sweepGrid } from '../jobs/sweep';
import { robustRanking, sweepSpecs } from '../jobs/sweep-run';
import type { TrainingSpec, TrainingVariant } from '../jobs/training';
import type { TrainerDeps } from '../service';


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
  const run = trainingRun(spec, variant);
  return deps.manager.submit(run, jobForRun(deps, run));
}

/** Validates every configuration of a sweep, then queues the sweep as one run. */
export async function submitSweep(deps: TrainerDeps, request: SweepRequest): Promise<Run> {
  const run = await prepareSweep(deps, request);
  return deps.manager.submit(run, jobForRun(deps, run));
}

/** A sweep's run record, every configuration validated (a Sweep call, or a study's tuning). */
export async function prepareSweep(deps: TrainerDeps, request: SweepRequest): Promise<Run> {
  if (!request.datasetId) throw invalidArgument('dataset_id is required');
  const sweep = request.sweep ?? SweepConfig.fromPartial({});
  const count = sweepGrid({ model: request.model, training: request.training }, sweep.axes).length;
  const name = request.name || `sweep of ${count} over ${sweep.axes.map((a) => a.path).join(' x ')}`;
  const specs = await sweepSpecs(deps, { datasetId: request.datasetId, model: request.model, training: request.training, sweep, name });
  robustRanking(deps, sweep);
  return Run.fromPartial({
    id: newId('run'),
    name,
    kind: RunKind.RUN_KIND_SWEEP,
    datasetId: request.datasetId,
    model: specs[0].spec.model,
    training: specs[0].spec.training,
    sweep,
  });
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
