import {
  AugmentationConfig,
  CheckpointReason,
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
  train,
  type BatchProgress,
  type EpochMetrics as LibEpochMetrics,
  type Model,
  type TrainConfig,
  type TrainingData,
} from '@advlab/model';
import { lossName, newId, splitOptions, type Registry } from '@advlab/registry';
import { yieldToEventLoop } from '@advlab/data';
import type { JobContext, JobResult } from '../runs';
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
    hooks: { signal: AbortSignal; onBatch(p: BatchProgress): Promise<void>; onEpoch(m: VariantEpochMetrics): Promise<void | 'stop'> },
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

/**
 * A training run, top to bottom: split the dataset by seed, build (or load)
 * the model, train with progress events, write a checkpoint whenever the
 * epoch score improves, and register the best weights as a model.
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

  const model = spec.baseModelId ? await copyOfStoredModel(registry, spec.baseModelId, spec.model, classNames) : createModel(
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

  const trainLoader = new BatchLoader(splits.train, { batchSize: t.batchSize, seed: t.seed, augment: augmentOptions(t.augmentation) });
  const valLoader = new BatchLoader(splits.validation, { batchSize: Math.max(64, t.batchSize as number), augment: false });
  const data: TrainingData = {
    train: (epoch) => trainLoader.trainBatches(epoch),
    validation: () => valLoader.evalBatches(),
    batchesPerEpoch: trainLoader.batchesPerEpoch,
  };
  const loop = variant.train ?? ((m, d, c, h) => train(m, d, c, h));

  const modelId = newId('mdl');
  const meta = { classNames, trainConfig: { model: spec.model, training: t, adversarial: spec.adversarial } };
  // The one rule for the best epoch (jobs/best-epoch.ts): checkpoint, early stop and reported figures.
  const rule = new BestEpoch<VariantEpochMetrics>(selectionMetric(variant.kind), t.earlyStoppingPatience);
  let bytes = 0;
  const history: LibEpochMetrics[] = [];
  let epochStarted = Date.now();

  try {
    await loop(model, data, libTrainConfig(t), {
      signal: ctx.signal,
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
      onEpoch: async (m: VariantEpochMetrics) => {
        history.push(m);
        ctx.emit({
          $case: 'epoch',
          value: {
            epoch: m.epoch + 1,
            trainLoss: m.trainLoss,
            trainAccuracy: m.trainAccuracy,
            valLoss: m.valLoss ?? 0,
            valAccuracy: m.valAccuracy ?? 0,
            robustValAccuracy: m.robustAccuracy,
            learningRate: m.learningRate,
            seconds: m.seconds,
            imagesPerSecond: splits.train.count / Math.max(1e-3, m.seconds),
          },
        });
        const { improved, stop } = rule.consider(m);
        if (improved) {
          bytes = await registry.models.writeCheckpoint(modelId, model, { ...meta, history });
          ctx.update({ bestValAccuracy: m.valAccuracy ?? 0, bestRobustAccuracy: m.robustAccuracy });
          ctx.emit({ $case: 'checkpoint', value: { epoch: m.epoch + 1, reason: CheckpointReason.CHECKPOINT_REASON_BEST, accuracy: rule.score(m) } });
        }
        return stop ? 'stop' : undefined;
      },
    });
    const best = rule.best;
    if (ctx.signal.aborted || !best) {
      await registry.models.discardCheckpoint(modelId);
      return {};
    }
    const record = ModelRecord.fromPartial({
      id: modelId,
      name: spec.name,
      runId: ctx.run.id,
      datasetId: spec.datasetId,
      config: { ...spec.model, imageSize: model.config.imageSize, classNames },
      training: t,
      adversarial: spec.adversarial,
      numParameters: model.numParameters(),
      valAccuracy: best.valAccuracy ?? 0,
      robustAccuracy: best.robustAccuracy,
      epoch: best.epoch + 1,
      sizeBytes: bytes,
      createdAt: new Date(),
    });
    await registry.models.register(record);
    return { model: record };
  } catch (err) {
    await registry.models.discardCheckpoint(modelId);
    throw err;
  } finally {
    model.dispose();
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
