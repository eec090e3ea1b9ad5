import {
  AdversarialTrainResponse,
  EvaluateResponse,
  Run,
  RunKind,
  Split,
  TrainResponse,
  WatchRunResponse,
  SweepConfig,
  SweepRankBy,
  SweepResponse,
  type EvaluateRequest,
  type ModelConfig,
  type SweepRequest,
  type TrainingConfig,
  type ImagePrediction,
  type PredictRequest,
  type PredictResponse,
  type TrainerServiceServer,
  type TrainRequest,
} from '@advlab/contract';
import { decodeImage, readUnlabeledFolder, subsetDataset, type ImageDataset } from '@advlab/data';
import { invalidArgument, serverStream, unary, type Logger } from '@advlab/grpc-server';
import { createRng, permutation } from '@advlab/data';
import { newId, splitOptions, toRpcError, type Registry } from '@advlab/registry';
import { activeBackend, describeBackend } from '@advlab/model';
import * as tf from '@tensorflow/tfjs-core';
import { adversarialVariant, attackModel, checkTarget, classifierOf, recordEvaluations, resolveAdversarialConfig } from './attack-rpcs';
import { attackDataset, evaluateClean, pixelsToTensor, resolveAttackConfig, resolveModelConfig, resolveTrainingConfig, toPrediction } from '@advlab/service-kit';
import { sampleDataset } from './samples';
import { sweepGrid, sweepJob } from './jobs/sweep';
import { runTraining, type TrainingSpec, type TrainingVariant } from './jobs/training';
import { RunManager } from './runs';

/** What the handlers work with. */
export interface TrainerDeps {
  registry: Registry;
  manager: RunManager;
  logger: Logger;
}

const MAX_PREDICT_IMAGES = 1024;
const PREDICT_CHUNK = 256;

/** A training spec from a request, every default filled, validated against the dataset. */
export function trainingSpec(deps: TrainerDeps, request: Pick<TrainRequest, 'datasetId' | 'model' | 'training' | 'name' | 'baseModelId'>, kindLabel: string): TrainingSpec {
  if (!request.datasetId) throw invalidArgument('dataset_id is required');
  const dataset = deps.registry.datasets.get(request.datasetId);
  let model = request.model;
  if (request.baseModelId) {
    const base = deps.registry.models.get(request.baseModelId);
    model = model?.featureMaps?.length ? model : base.config;
  }
  const modelConfig = resolveModelConfig(model, dataset.imageSize, dataset.classNames);
  const training = resolveTrainingConfig(request.training);
  const name = request.name || `${kindLabel} [${modelConfig.featureMaps.join(',')}] lr=${training.learningRate} seed=${training.seed}`;
  return { datasetId: request.datasetId, model: modelConfig, training, baseModelId: request.baseModelId || undefined, name };
}

/** Registers a run for `spec` and queues its job. */
export function submitTraining(deps: TrainerDeps, spec: TrainingSpec, variant: TrainingVariant): Run {
  const run = Run.fromPartial({
    id: newId('run'),
    name: spec.name,
    kind: variant.kind,
    datasetId: spec.datasetId,
    model: spec.model,
    training: spec.training,
    adversarial: spec.adversarial,
    baseModelId: spec.baseModelId ?? '',
  });
  return deps.manager.submit(run, (ctx) => runTraining(ctx, deps.registry, spec, variant));
}

/** Validates every configuration of a sweep, then queues the sweep as one run. */
export function submitSweep(deps: TrainerDeps, request: SweepRequest, robustAccuracyOf?: (modelId: string, signal: AbortSignal) => Promise<number>): Run {
  if (!request.datasetId) throw invalidArgument('dataset_id is required');
  const sweep = request.sweep ?? SweepConfig.fromPartial({});
  const points = sweepGrid({ model: request.model, training: request.training }, sweep.axes);
  const name = request.name || `sweep of ${points.length} over ${sweep.axes.map((a) => a.path).join(' x ')}`;
  const specs = points.map((point) => ({ point, spec: trainingSpec(deps, { datasetId: request.datasetId, model: point.model as ModelConfig, training: point.training as TrainingConfig, name, baseModelId: '' }, 'trial') }));
  const standard: TrainingVariant = { kind: RunKind.RUN_KIND_TRAIN };
  const run = Run.fromPartial({
    id: newId('run'),
    name,
    kind: RunKind.RUN_KIND_SWEEP,
    datasetId: request.datasetId,
    model: specs[0].spec.model,
    training: specs[0].spec.training,
    sweep,
  });
  return deps.manager.submit(
    run,
    sweepJob(deps.manager, specs, sweep, (ctx, spec) => runTraining(ctx, deps.registry, spec, standard), robustAccuracyOf),
  );
}

/** For sweeps ranked by robust accuracy: the trial model's accuracy under the sweep's attack on a validation subset. */
function robustRanking(deps: TrainerDeps, request: SweepRequest): ((modelId: string, signal: AbortSignal) => Promise<number>) | undefined {
  if (request.sweep?.rankBy !== SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY) return undefined;
  const attack = resolveAttackConfig(request.sweep.robustAttack, 'evaluate', 'sweep.robust_attack');
  const count = request.sweep.robustImages ?? 256;
  if (!Number.isInteger(count) || count < 1 || count > 10000) throw invalidArgument(`sweep.robust_images must be in [1, 10000], got ${count}`);
  return async (modelId, signal) => {
    const { images } = await evaluationImages(deps, modelId, { datasetId: '', split: Split.SPLIT_VALIDATION, maxImages: count, seed: 0 });
    return deps.registry.models.use(modelId, async (loaded) => (await attackDataset(classifierOf(loaded), images, attack, { seed: 0, signal })).result.robustAccuracy);
  };
}

/** The images of an evaluation: the model's split (by its own seed), optionally a seeded subset. */
export async function evaluationImages(
  deps: TrainerDeps,
  modelId: string,
  request: { datasetId: string; split: Split; maxImages: number; seed: number },
): Promise<{ images: ImageDataset; split: Split; datasetId: string }> {
  const record = deps.registry.models.get(modelId);
  const datasetId = request.datasetId || record.datasetId;
  const { images, split } = await deps.registry.datasets.split(datasetId, request.split, splitOptions(record.training));
  const classes = record.config?.classNames ?? [];
  if (images.classNames.join('\n') !== classes.join('\n')) {
    throw invalidArgument(`dataset "${datasetId}" has other classes than model "${modelId}" was trained on`);
  }
  if (request.maxImages && request.maxImages < images.count) {
    const order = permutation(images.count, createRng(request.seed));
    return { images: subsetDataset(images, Array.from(order.subarray(0, request.maxImages)).sort((a, b) => a - b)), split, datasetId };
  }
  return { images, split, datasetId };
}

async function evaluate(deps: TrainerDeps, request: EvaluateRequest, signal: AbortSignal): Promise<EvaluateResponse> {
  const started = Date.now();
  if (!request.modelId) throw invalidArgument('model_id is required');
  const record = deps.registry.models.get(request.modelId);
  const attacks = request.attacks.map((a, i) => resolveAttackConfig(a, 'evaluate', `attacks[${i}]`));
  attacks.forEach((a, i) => checkTarget(a, record.config?.classNames.length ?? 0, `attacks[${i}]`));
  if (attacks.length > 8) throw invalidArgument(`at most 8 attacks per Evaluate, got ${attacks.length}`);
  const { images, split } = await evaluationImages(deps, request.modelId, request);
  return deps.registry.models.use(request.modelId, async (loaded) => {
    const { model, loss } = loaded;
    const clean = await evaluateClean(model, loss, images, 128, signal);
    const k = model.numClasses;
    const counts = new Array<number>(k * k).fill(0);
    const support = new Array<number>(k).fill(0);
    const survives = new Uint8Array(images.count);
    for (let i = 0; i < images.count; i++) {
      const y = images.labels[i];
      counts[y * k + clean.predicted[i]]++;
      support[y]++;
      survives[i] = clean.predicted[i] === y ? 1 : 0;
    }
    const correct = survives.reduce((a, b) => a + b, 0);
    const robust = [];
    for (const attack of attacks) {
      const outcome = await attackDataset(classifierOf(loaded), images, attack, { seed: request.seed, signal });
      outcome.correctAfter.forEach((c, i) => (survives[i] &= c));
      robust.push(outcome.result);
    }
    if (robust.length) recordEvaluations(deps.registry, record, robust);
    const accuracy = images.count ? correct / images.count : 0;
    return EvaluateResponse.fromPartial({
      modelId: request.modelId,
      split,
      numImages: images.count,
      loss: clean.loss,
      accuracy,
      perClass: images.classNames.map((label, c) => ({ classIndex: c, label, support: support[c], accuracy: support[c] ? counts[c * k + c] / support[c] : 0 })),
      confusion: { labels: [...images.classNames], counts },
      robust,
      worstCaseAccuracy: images.count ? survives.reduce((a, b) => a + b, 0) / images.count : 0,
      seconds: (Date.now() - started) / 1000,
    });
  });
}

async function* predict(deps: TrainerDeps, request: PredictRequest, signal: AbortSignal): AsyncGenerator<PredictResponse> {
  if (!request.modelId) throw invalidArgument('model_id is required');
  const record = deps.registry.models.get(request.modelId);
  const size = record.config?.imageSize ?? 0;
  const classNames = record.config?.classNames ?? [];
  const topK = request.topK ?? 1;
  if (!Number.isInteger(topK) || topK < 1 || topK > classNames.length) {
    throw invalidArgument(`top_k must be in [1, ${classNames.length}], got ${topK}`);
  }
  // Decode everything first: unreadable images become per-image errors, never a failed call.
  let ids: string[];
  let pixels: Uint8Array;
  const errors = new Map<number, string>();
  if (request.input?.$case === 'images') {
    const inputs = request.input.value.images;
    if (!inputs.length) throw invalidArgument('images must not be empty');
    if (inputs.length > MAX_PREDICT_IMAGES) throw invalidArgument(`at most ${MAX_PREDICT_IMAGES} images per request, got ${inputs.length}`);
    ids = inputs.map((img, i) => img.id || String(i));
    pixels = new Uint8Array(inputs.length * size * size * 3);
    for (let i = 0; i < inputs.length; i++) {
      const decoded = await decodeImage(Buffer.from(inputs[i].data), { imageSize: size });
      if (decoded.ok) pixels.set(decoded.pixels, i * size * size * 3);
      else errors.set(i, `${decoded.reason}: ${decoded.detail}`);
    }
  } else if (request.input?.$case === 'folder') {
    const folder = await readUnlabeledFolder(request.input.value, { imageSize: size }).catch((err) => {
      throw toRpcError(err);
    });
    ids = [...folder.ids];
    pixels = folder.pixels;
    // Files the folder reader skipped are reported too, after the readable ones.
    for (const s of folder.skipped) {
      errors.set(ids.length, `${s.reason}${s.detail ? `: ${s.detail}` : ''}`);
      ids.push(s.path);
    }
  } else {
    throw invalidArgument('input is required: images or folder');
  }
  const total = ids.length;
  const readable = request.input.$case === 'folder' ? total - errors.size : total;
  const lease = await deps.registry.models.acquire(request.modelId);
  const { model, loss } = lease.loaded;
  try {
    let done = 0;
    for (let start = 0; start < total; start += PREDICT_CHUNK) {
      if (signal.aborted) return;
      const end = Math.min(total, start + PREDICT_CHUNK);
      const predictions: ImagePrediction[] = [];
      const rows = Math.max(0, Math.min(end, readable) - start);
      let probs: Float32Array = new Float32Array(0);
      if (rows > 0) {
        const p = tf.tidy(() => model.predictProba(pixelsToTensor(pixels.subarray(start * size * size * 3, (start + rows) * size * size * 3), rows, size, size), loss));
        probs = (await p.data()) as Float32Array;
        p.dispose();
      }
      for (let i = start; i < end; i++) {
        const error = errors.get(i);
        predictions.push(
          error || i - start >= rows
            ? { id: ids[i], prediction: undefined, error: error ?? 'unreadable' }
            : { id: ids[i], prediction: toPrediction(probs.subarray((i - start) * classNames.length, (i - start + 1) * classNames.length), classNames, topK), error: '' },
        );
      }
      done = end;
      yield { predictions, done, total };
    }
  } finally {
    lease.release();
  }
}

/** Every TrainerService handler, typed against the generated interface. */
export function trainerHandlers(deps: TrainerDeps): TrainerServiceServer {
  const { registry, manager } = deps;
  const standard: TrainingVariant = { kind: RunKind.RUN_KIND_TRAIN };
  const watch = (runId: string, after: number, signal: AbortSignal) => manager.watch(runId, after, signal);
  return {
    train: serverStream('Train', async function* (request, { signal }) {
      const run = submitTraining(deps, trainingSpec(deps, request, 'train'), standard);
      for await (const event of watch(run.id, 0, signal)) yield TrainResponse.fromPartial({ event });
    }),
    adversarialTrain: serverStream('AdversarialTrain', async function* (request, { signal }) {
      const adversarial = resolveAdversarialConfig(request.adversarial);
      const spec = { ...trainingSpec(deps, request, 'adversarial'), adversarial };
      const run = submitTraining(deps, spec, adversarialVariant(adversarial));
      for await (const event of watch(run.id, 0, signal)) yield AdversarialTrainResponse.fromPartial({ event });
    }),
    attack: unary('Attack', async (request, { signal }) => {
      if (!request.modelId) throw invalidArgument('model_id is required');
      const { images } = await evaluationImages(deps, request.modelId, request);
      return registry.models.use(request.modelId, (loaded) => attackModel(registry, loaded, images, request, signal));
    }),
    sweep: serverStream('Sweep', async function* (request, { signal }) {
      const run = submitSweep(deps, request, robustRanking(deps, request));
      for await (const event of watch(run.id, 0, signal)) yield SweepResponse.fromPartial({ event });
    }),
    watchRun: serverStream('WatchRun', async function* (request, { signal }) {
      if (!request.runId) throw invalidArgument('run_id is required');
      for await (const event of watch(request.runId, request.afterSequence, signal)) yield WatchRunResponse.fromPartial({ event });
    }),
    listRuns: unary('ListRuns', async (request) => registry.runs.list(request)),
    getRun: unary('GetRun', async (request) => {
      if (!request.runId) throw invalidArgument('run_id is required');
      return { run: manager.get(request.runId) };
    }),
    cancelRun: unary('CancelRun', async (request) => {
      if (!request.runId) throw invalidArgument('run_id is required');
      return { run: manager.cancel(request.runId) };
    }),
    listModels: unary('ListModels', async (request) => registry.models.list(request)),
    getModel: unary('GetModel', async (request) => ({ model: registry.models.get(request.modelId) })),
    deleteModel: unary('DeleteModel', async (request) => {
      await registry.models.delete(request.modelId);
      return { modelId: request.modelId };
    }),
    listDatasets: unary('ListDatasets', async () => ({ datasets: registry.datasets.list() })),
    getServerInfo: unary('GetServerInfo', async () => ({ backend: activeBackend(), backendDetail: describeBackend() })),
    getDataset: unary('GetDataset', async (request) => ({ dataset: registry.datasets.get(request.datasetId) })),
    importDataset: serverStream('ImportDataset', async function* (request, { signal }) {
      // Progress is pushed from the import's callback; the latest one waits to be sent.
      let latest: { done: number; total: number; skipped: number } | undefined;
      let wake: (() => void) | undefined;
      let finished = false;
      const importing = registry.datasets
        .import(request, (p) => {
          latest = p;
          wake?.();
        }, signal)
        .finally(() => {
          finished = true;
          wake?.();
        });
      while (!finished) {
        await new Promise<void>((r) => (wake = r));
        if (latest) {
          yield { event: { $case: 'progress' as const, value: latest } };
          latest = undefined;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      yield { event: { $case: 'dataset' as const, value: await importing } };
    }),
    sampleDataset: unary('SampleDataset', (request) => sampleDataset(registry, request)),
    evaluate: unary('Evaluate', (request, { signal }) => evaluate(deps, request, signal)),
    predict: serverStream('Predict', (request, { signal }) => predict(deps, request, signal)),
  };
}
