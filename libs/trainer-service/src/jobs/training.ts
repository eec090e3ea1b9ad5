import {
  AugmentationConfig,
  CheckpointReason,
  EpochMetrics as ProtoEpochMetrics,
  LrSchedule,
  Model as ModelRecord,
  RunKind,
  type AdversarialConfig,
  type ModelConfig,
  type TrainingConfig,
} from '@advlab/contract';
import { BatchLoader, createRng, permutation, subsetDataset, type AugmentOptions } from '@advlab/data';
import { failedPrecondition } from '@advlab/grpc-server';
import {
  describeBackend,
  createModel,
  decodeCheckpoint,
  encodeTrainingCheckpoint,
  modelFromCheckpoint,
  train,
  type BatchProgress,
  type EpochEnd,
  type TrainingState,
  type EpochMetrics as LibEpochMetrics,
  type Model,
  type TrainConfig,
  type TrainingData,
} from '@advlab/model';
import { lossName, splitOptions, type Registry } from '@advlab/registry';
import { yieldToEventLoop } from '@advlab/data';
import { abortKind, type JobContext, type JobResult } from '../runs';
import { BestEpoch, selectionMetric } from './best-epoch';

/** Everything one training run needs, defaults already filled in. */
export interface TrainingSpec {
  datasetId: string;
  model: ModelConfig;
  training: TrainingConfig;
  /** Start from this stored model's weights. */
  baseModelId?: string;
  /** Adversarial runs only. */
  adversarial?: AdversarialConfig;
  name: string;
}

/** Epoch metrics of a training loop; adversarial loops add the robust accuracy. */
export type VariantEpochMetrics = LibEpochMetrics & { readonly robustAccuracy?: number };

/** How a kind of run trains: the standard loop, or adversarial training around it. */
export interface TrainingVariant {
  kind: RunKind;
  /**
   * Trains `model` in place, reporting every epoch to `onEpoch` (which may stop it). Default:
   * the model lib's `train`. The best epoch is the run's rule (`jobs/best-epoch.ts`).
   */
  train?(
    model: Model,
    data: TrainingData,
    config: Partial<TrainConfig>,
    hooks: {
      signal: AbortSignal;
      resumeFrom?: TrainingState;
      onBatch(p: BatchProgress): Promise<void>;
      onEpoch(m: VariantEpochMetrics, end?: EpochEnd): Promise<void | 'stop'>;
    },
  ): Promise<unknown>;
}

/** The data lib's augmentation options for a request's augmentation config. */
export function augmentOptions(aug: AugmentationConfig | undefined): AugmentOptions | false {
  const flip = aug?.horizontalFlip ?? true;
  const jitter = aug?.colorJitter ?? 0.2;
  if (!flip && jitter === 0) return false;
  return { flipProbability: flip ? 0.5 : 0, brightness: jitter, contrast: jitter, saturation: jitter };
}

/** The model lib's training config for a request's training config. */
export function libTrainConfig(t: TrainingConfig): Partial<TrainConfig> {
  const mix = t.augmentation?.mix;
  return {
    epochs: t.epochs,
    learningRate: t.learningRate,
    weightDecay: t.weightDecay,
    lrSchedule: t.lrSchedule === LrSchedule.LR_SCHEDULE_COSINE ? 'cosine' : 'constant',
    loss: lossName(t.loss),
    mix: mix?.$case ?? 'none',
    mixAlpha: mix?.value.alpha ?? 1,
    seed: t.seed,
  };
}

/** The model a run registers: one per run, named after it, so that a run resumed elsewhere finds its best checkpoint. */
export function modelIdOfRun(runId: string): string {
  return `mdl-${runId.replace(/^run-/, '')}`;
}

/** The blob of a run's training state (weights, optimizer, position), written after each epoch when runs can move between workers. */
export function trainingStateName(runId: string): string {
  return `${runId}.train`;
}

/** What a training state carries besides the model lib's: the run's epochs as reported, to resume its log and its best-epoch rule. */
interface RunResumeInfo {
  runId: string;
  epochs: unknown[];
}

/** The model lib's epoch metrics (and the robust accuracy) of a reported epoch. */
function variantMetrics(e: ProtoEpochMetrics): VariantEpochMetrics {
  return {
    epoch: e.epoch - 1,
    trainLoss: e.trainLoss,
    trainAccuracy: e.trainAccuracy,
    valLoss: e.valLoss,
    valAccuracy: e.valAccuracy,
    learningRate: e.learningRate,
    seconds: e.seconds,
    robustAccuracy: e.robustValAccuracy,
  } as VariantEpochMetrics;
}

/**
 * A training run, top to bottom: split the dataset by seed, build (or load)
 * the model, train with progress events, write a checkpoint whenever the
 * epoch score improves, and register the best weights as a model. Scaled out
 * (the registry on PostgreSQL), each epoch also stores the whole training
 * state, and a run taken over by another worker goes on from it exactly:
 * the same weights, optimizer moments, schedule and random draws.
 */
export async function runTraining(ctx: JobContext, registry: Registry, spec: TrainingSpec, variant: TrainingVariant): Promise<JobResult> {
  const t = spec.training;
  const splits = await registry.datasets.splits(spec.datasetId, splitOptions(t));
  if (t.maxTrainImages && t.maxTrainImages < splits.train.count) {
    const order = permutation(splits.train.count, createRng(t.seed ?? 0));
    splits.train = subsetDataset(splits.train, Array.from(order.subarray(0, t.maxTrainImages)).sort((a, b) => a - b));
  }
  const classNames = [...splits.train.classNames];
  ctx.update({ backend: describeBackend() });
  const movable = registry.db.kind === 'postgres';
  const stateName = trainingStateName(ctx.run.id);
  const modelId = modelIdOfRun(ctx.run.id);
  const meta = { classNames, trainConfig: { model: spec.model, training: t, adversarial: spec.adversarial } };
  // The one rule for the best epoch (jobs/best-epoch.ts): checkpoint, early stop and reported figures.
  const rule = new BestEpoch<VariantEpochMetrics>(selectionMetric(variant.kind), t.earlyStoppingPatience);
  let bytes = 0;
  const history: LibEpochMetrics[] = [];
  const reported: ProtoEpochMetrics[] = [];

  // A run taken over from another worker: its last end-of-epoch state, if it wrote one.
  let resumeFrom: TrainingState | undefined;
  let model: Model | undefined;
  let metEarlyStop = false;
  const saved = movable ? await registry.models.blobs.get(stateName) : undefined;
  if (saved) {
    const decoded = decodeCheckpoint(saved);
    const info = decoded.header.extra as RunResumeInfo | undefined;
    if (decoded.training && info?.runId === ctx.run.id) {
      resumeFrom = decoded.training;
      model = modelFromCheckpoint(decoded);
      history.push(...decoded.training.history);
      for (const json of info.epochs) {
        const e = ProtoEpochMetrics.fromJSON(json);
        reported.push(e);
        metEarlyStop = rule.consider(variantMetrics(e)).stop;
      }
      // Epochs the state holds that the log lacks (the worker stopped between the two writes).
      for (const e of reported.slice(ctx.run.history.length)) ctx.emit({ $case: 'epoch', value: e });
      bytes = (await registry.models.readCheckpoint(modelId))?.length ?? 0;
    }
  }

  model ??= spec.baseModelId ? await copyOfStoredModel(registry, spec.baseModelId, spec.model, classNames) : createModel(
    {
      featureMaps: spec.model.featureMaps,
      dropRate: spec.model.dropRate,
      batchNorm: spec.model.batchNorm,
      useSkip: spec.model.useSkip,
      imageSize: spec.model.imageSize,
    },
    classNames.length,
    t.seed,
  );
  if (model.config.imageSize !== splits.train.height) {
    model.dispose();
    throw failedPrecondition(`model.image_size ${model.config.imageSize} differs from the dataset's ${splits.train.height}; leave it 0 to use the dataset's`);
  }
  const trained = model;

  const trainLoader = new BatchLoader(splits.train, { batchSize: t.batchSize, seed: t.seed, augment: augmentOptions(t.augmentation) });
  const valLoader = new BatchLoader(splits.validation, { batchSize: Math.max(64, t.batchSize as number), augment: false });
  const data: TrainingData = {
    train: (epoch) => trainLoader.trainBatches(epoch),
    validation: () => valLoader.evalBatches(),
    batchesPerEpoch: trainLoader.batchesPerEpoch,
  };
  const loop = variant.train ?? ((m, d, c, h) => train(m, d, c, h));
  let epochStarted = Date.now();

  try {
    // A run taken over after it met its early-stopping rule only registers its model.
    if (!metEarlyStop) {
      await loop(trained, data, libTrainConfig(t), {
        signal: ctx.signal,
        resumeFrom,
        onBatch: async (p) => {
          // Training shares the thread with the server: let RPCs and timers run between batches.
          await yieldToEventLoop();
          if (p.batch === 1) epochStarted = Date.now();
          ctx.emit({
            $case: 'batch',
            value: {
              epoch: p.epoch + 1,
              batch: p.batch,
              batchesPerEpoch: trainLoader.batchesPerEpoch,
              // Running means over the epoch, as the proto says: a watcher that joins mid-epoch
              // draws a smooth curve from where the epoch stands, not per-batch noise.
              loss: p.epochLoss,
              accuracy: p.epochAccuracy,
              imagesPerSecond: (1000 * p.epochImages) / Math.max(1, Date.now() - epochStarted),
            },
          });
        },
        onEpoch: async (m: VariantEpochMetrics, end?: EpochEnd) => {
          history.push(m);
          const epoch: ProtoEpochMetrics = {
            epoch: m.epoch + 1,
            trainLoss: m.trainLoss,
            trainAccuracy: m.trainAccuracy,
            valLoss: m.valLoss ?? 0,
            valAccuracy: m.valAccuracy ?? 0,
            robustValAccuracy: m.robustAccuracy,
            learningRate: m.learningRate,
            seconds: m.seconds,
            imagesPerSecond: splits.train.count / Math.max(1e-3, m.seconds),
          };
          reported.push(epoch);
          const { improved, stop } = rule.consider(m);
          // Best checkpoint, then the training state, then the events: a worker that stops between
          // two of these leaves a state that a resumed run trusts (see above).
          if (improved) bytes = await registry.models.writeCheckpoint(modelId, trained, { ...meta, history });
          if (movable && end) {
            const extra: RunResumeInfo = { runId: ctx.run.id, epochs: reported.map((e) => ProtoEpochMetrics.toJSON(e)) };
            await registry.models.blobs.put(stateName, encodeTrainingCheckpoint(end.snapshot(), { ...meta, extra: { ...extra } }));
          }
          ctx.emit({ $case: 'epoch', value: epoch });
          if (improved) {
            ctx.update({ bestValAccuracy: m.valAccuracy ?? 0, bestRobustAccuracy: m.robustAccuracy });
            ctx.emit({ $case: 'checkpoint', value: { epoch: m.epoch + 1, reason: CheckpointReason.CHECKPOINT_REASON_BEST, accuracy: rule.score(m) } });
          }
          return stop ? 'stop' : undefined;
        },
      });
    }
    const best = rule.best;
    const stopped = abortKind(ctx.signal);
    if (movable && (stopped === 'shutdown' || stopped === 'lost')) {
      // Another worker goes on with this run: its checkpoints stay.
      return {};
    }
    await registry.models.blobs.delete(stateName);
    if (ctx.signal.aborted || !best) {
      await registry.models.discardCheckpoint(modelId);
      return {};
    }
    const record = ModelRecord.fromPartial({
      id: modelId,
      name: spec.name,
      runId: ctx.run.id,
      datasetId: spec.datasetId,
      config: { ...spec.model, imageSize: trained.config.imageSize, classNames },
      training: t,
      adversarial: spec.adversarial,
      numParameters: trained.numParameters(),
      valAccuracy: best.valAccuracy ?? 0,
      robustAccuracy: best.robustAccuracy,
      epoch: best.epoch + 1,
      sizeBytes: bytes,
      createdAt: new Date(),
    });
    await registry.models.register(record);
    return { model: record };
  } catch (err) {
    const stopped = abortKind(ctx.signal);
    if (!(movable && (stopped === 'shutdown' || stopped === 'lost'))) {
      await registry.models.blobs.delete(stateName);
      await registry.models.discardCheckpoint(modelId);
    }
    throw err;
  } finally {
    trained.dispose();
  }
}

/** A fresh copy of a stored model's weights, checked against the requested classes. */
async function copyOfStoredModel(registry: Registry, baseModelId: string, requested: ModelConfig, classNames: string[]): Promise<Model> {
  return registry.models.use(baseModelId, ({ model, record }) => {
    const baseClasses = record.config?.classNames ?? [];
    if (baseClasses.join('\n') !== classNames.join('\n')) {
      throw failedPrecondition(`base model "${baseModelId}" was trained on other classes (${baseClasses.join(', ')})`);
    }
    if (requested.featureMaps.length && requested.featureMaps.join(',') !== model.config.featureMaps.join(',')) {
      throw failedPrecondition(`base model "${baseModelId}" has feature maps [${model.config.featureMaps}], not [${requested.featureMaps}]`);
    }
    const copy = createModel(model.config, model.numClasses, 0);
    copy.setWeights(model.getWeights());
    return copy;
  });
}
