import { AUGMENTATION_FIELDS, TRAINING_FIELDS } from '@advlab/config';
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from './adam';
import { LOSS_NAMES, LossName, lossFromLogits, oneHotTargets } from './losses';
import { LR_SCHEDULES, LrScheduleName, learningRate } from './lr_schedule';
import { cutmix, mixup } from './mixup';
import { Model } from './model';
import { Rng } from './random';
import { createStepRunner } from './parallel/create_step_runner';
import { StepRunner } from './step_runner';

/** One batch from a data source. */
export interface LabeledBatch {
  /** `[n, size, size, 3]` float32 pixels in [0, 1]. The training loop takes ownership and disposes it. */
  readonly x: tf.Tensor4D;
  /** `n` class indices in `[0, classes)`. */
  readonly labels: Int32Array | tf.Tensor1D;
}

/**
 * Where training data comes from. Any source fits: `@advlab/data`'s `BatchLoader`
 * (`{ train: (e) => loader.trainBatches(e), validation: () => valLoader.evalBatches() }`),
 * or in-memory arrays in tests.
 */
export interface TrainingData {
  /** Shuffled (and augmented) batches of epoch `epoch` (0-based). */
  train(epoch: number): AsyncIterable<LabeledBatch>;
  /** Validation batches, evaluated after every epoch in evaluation mode. Optional. */
  validation?(): AsyncIterable<LabeledBatch>;
  /** Batches per training epoch, for the learning-rate schedule. Default: counted in epoch 0. */
  readonly batchesPerEpoch?: number;
}

/** Training hyper-parameters; every field has a default in {@link DEFAULT_TRAIN_CONFIG}. */
export interface TrainConfig {
  /** Passes over the training data. */
  readonly epochs: number;
  /** Adam's learning rate (peak rate with a schedule). */
  readonly learningRate: number;
  /** Decoupled weight decay (AdamW); 0 is plain Adam as in the notebook. */
  readonly weightDecay: number;
  readonly lrSchedule: LrScheduleName;
  /** Epochs of linear warm-up for the cosine schedule. */
  readonly warmupEpochs: number;
  readonly loss: LossName;
  /** Batch mixing: none, Mixup (Zhang et al., 2018) or CutMix (Yun et al., 2019). */
  readonly mix: 'none' | 'mixup' | 'cutmix';
  /** Beta(alpha, alpha) parameter of the mixing ratio. */
  readonly mixAlpha: number;
  /** Seeds dropout and mixing draws (the data source has its own seed). */
  readonly seed: number;
}

/** The notebook's defaults: Adam 1e-3, cross-entropy, 10 epochs, no mixing. */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: TRAINING_FIELDS.epochs.default as number,
  learningRate: TRAINING_FIELDS.learningRate.default as number,
  weightDecay: TRAINING_FIELDS.weightDecay.default as number,
  lrSchedule: 'constant',
  warmupEpochs: 0,
  loss: 'cross-entropy',
  mix: 'none',
  mixAlpha: AUGMENTATION_FIELDS.mixupAlpha.default as number,
  seed: TRAINING_FIELDS.seed.default as number,
};

/** Metrics of one epoch. Validation fields are null without validation data. */
export interface EpochMetrics {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly valLoss: number | null;
  readonly valAccuracy: number | null;
  readonly learningRate: number;
  readonly seconds: number;
}

/** Progress after one optimiser step. */
export interface BatchProgress {
  readonly epoch: number;
  readonly batch: number;
  readonly step: number;
  /** This batch's mean loss and accuracy. */
  readonly loss: number;
  readonly accuracy: number;
  /** Means over the epoch so far (what the epoch's train figures will be once it ends). */
  readonly epochLoss: number;
  readonly epochAccuracy: number;
  /** Training images seen so far this epoch. */
  readonly epochImages: number;
  readonly learningRate: number;
  readonly imagesPerSecond: number;
}

/** Callbacks and cancellation. */
export interface TrainHooks {
  onBatch?(p: BatchProgress): void | Promise<void>;
  /**
   * Called after every epoch with its metrics; returning `'stop'` ends training there (the
   * caller's early stopping: which epoch is best is the caller's rule, not the loop's).
   */
  onEpoch?(m: EpochMetrics): void | 'stop' | Promise<void | 'stop'>;
  /** Aborting stops cleanly before the next batch; the model keeps the weights reached. */
  readonly signal?: AbortSignal;
  /** Computes the steps (the caller keeps ownership). Default: `createStepRunner(model, { workers })`. */
  readonly runner?: StepRunner;
  /** Threads for the default runner: a count, or `auto` (default; env `ADVLAB_WORKERS`). */
  readonly workers?: number | 'auto';
}

/** Outcome of {@link train}. */
export interface TrainResult {
  readonly history: EpochMetrics[];
  /** `stopped`: an `onEpoch` asked to stop. */
  readonly stopReason: 'completed' | 'stopped' | 'aborted';
  readonly steps: number;
}

/** Fills defaults and checks a training configuration, naming the bad field. */
export function withTrainDefaults(partial: Partial<TrainConfig> = {}): TrainConfig {
  const c: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...partial };
  const check = (ok: boolean, field: keyof TrainConfig, what: string) => {
    if (!ok) throw new RangeError(`${field}: ${what}, got ${String(c[field])}`);
  };
  check(Number.isInteger(c.epochs) && c.epochs >= 1, 'epochs', 'must be an integer >= 1');
  check(c.learningRate > 0 && Number.isFinite(c.learningRate), 'learningRate', 'must be a positive number');
  check(c.weightDecay >= 0, 'weightDecay', 'must be >= 0');
  check(LR_SCHEDULES.includes(c.lrSchedule), 'lrSchedule', `must be one of ${LR_SCHEDULES.join(', ')}`);
  check(Number.isInteger(c.warmupEpochs) && c.warmupEpochs >= 0, 'warmupEpochs', 'must be an integer >= 0');
  check(LOSS_NAMES.includes(c.loss), 'loss', `must be one of ${LOSS_NAMES.join(', ')}`);
  check(['none', 'mixup', 'cutmix'].includes(c.mix), 'mix', 'must be none, mixup or cutmix');
  check(c.mixAlpha > 0, 'mixAlpha', 'must be > 0');
  check(Number.isInteger(c.seed), 'seed', 'must be an integer');
  return c;
}

/**
 * Trains `model` in place, nanoGPT style: per batch, learning rate, mixing, forward/backward,
 * Adam step, BN running statistics, progress; per epoch, validation in evaluation mode,
 * history; the caller's `onEpoch` may stop it.
 */
export async function train(model: Model, data: TrainingData, partial: Partial<TrainConfig> = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const config = withTrainDefaults(partial);
  let runner: StepRunner | null = hooks.runner ?? null;
  const adam = new Adam({ weightDecay: config.weightDecay });
  const history: EpochMetrics[] = [];
  let batchesPerEpoch = data.batchesPerEpoch ?? 0;
  let step = 0;
  let stopReason: TrainResult['stopReason'] = 'completed';

  const lrAt = (s: number) => {
    const total = Math.max(1, batchesPerEpoch * config.epochs);
    return learningRate(config.lrSchedule, config.learningRate, s, total, config.warmupEpochs * batchesPerEpoch);
  };

  try {
    for (let epoch = 0; epoch < config.epochs && stopReason === 'completed'; epoch++) {
      const started = Date.now();
      let [lossSum, correct, seen, batch] = [0, 0, 0, 0];
      let lr = lrAt(step);
      for await (const b of data.train(epoch)) {
        if (hooks.signal?.aborted) {
          disposeBatch(b);
          stopReason = 'aborted';
          break;
        }
        const t0 = Date.now();
        lr = lrAt(step);
        runner ??= await createStepRunner(model, { workers: hooks.workers, batchSize: b.x.shape[0] });
        const rng = new Rng(config.seed, epoch, batch);
        const { x, targets } = mixBatch(b, model.numClasses, config, rng);
        const out = await runner.run(model, { x, targets, loss: config.loss, dropoutSeed: rng.nextUint32() });
        tf.dispose([x, targets]);
        adam.step(model.params, out.grads, lr);
        tf.dispose(out.grads);
        model.updateRunningStats(out.batchStats);

        const n = b.x.shape[0];
        [lossSum, correct, seen] = [lossSum + out.loss * n, correct + out.correct, seen + n];
        step += 1;
        batch += 1;
        await hooks.onBatch?.({ epoch, batch, step, loss: out.loss, accuracy: out.correct / n, epochLoss: lossSum / seen, epochAccuracy: correct / seen, epochImages: seen, learningRate: lr, imagesPerSecond: (1000 * n) / Math.max(1, Date.now() - t0) });
      }
      if (batchesPerEpoch === 0) batchesPerEpoch = batch;
      if (stopReason === 'aborted' || seen === 0) {
        if (seen === 0 && stopReason !== 'aborted') throw new Error(`epoch ${epoch} yielded no training batches`);
        break;
      }

      const val = data.validation ? await evaluate(model, data.validation(), config.loss) : null;
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        valLoss: val?.loss ?? null,
        valAccuracy: val?.accuracy ?? null,
        learningRate: lr,
        seconds: (Date.now() - started) / 1000,
      };
      history.push(metrics);
      if ((await hooks.onEpoch?.(metrics)) === 'stop') stopReason = 'stopped';
    }
  } finally {
    adam.dispose();
    if (!hooks.runner) await runner?.close();
  }
  return { history, stopReason, steps: step };
}

/** Mean loss and accuracy of `model` in evaluation mode over `batches` (disposing them). */
export async function evaluate(model: Model, batches: AsyncIterable<LabeledBatch>, loss: LossName = 'cross-entropy'): Promise<{ loss: number; accuracy: number; count: number }> {
  let [lossSum, correct, count] = [0, 0, 0];
  for await (const b of batches) {
    const [l, c] = tf.tidy(() => {
      const labels = b.labels instanceof tf.Tensor ? b.labels : tf.tensor1d(b.labels, 'int32');
      const logits = model.forward(b.x);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'int32'));
      return [lossFromLogits(loss, logits, oneHotTargets(labels, model.numClasses)), hits];
    });
    const n = b.x.shape[0];
    lossSum += (await l.data())[0] * n;
    correct += (await c.data())[0];
    count += n;
    tf.dispose([l, c]);
    disposeBatch(b);
  }
  if (count === 0) throw new Error('evaluate: no batches');
  return { loss: lossSum / count, accuracy: correct / count, count };
}

function mixBatch(b: LabeledBatch, numClasses: number, config: TrainConfig, rng: Rng): { x: tf.Tensor4D; targets: tf.Tensor2D } {
  const onehot = oneHotTargets(b.labels, numClasses);
  if (config.mix === 'none') {
    if (b.labels instanceof tf.Tensor) b.labels.dispose();
    return { x: b.x, targets: onehot };
  }
  const mixed = config.mix === 'mixup' ? mixup(b.x, onehot, config.mixAlpha, rng) : cutmix(b.x, onehot, config.mixAlpha, rng);
  tf.dispose(onehot);
  disposeBatch(b);
  return { x: mixed.x, targets: mixed.targets };
}

function disposeBatch(b: LabeledBatch): void {
  b.x.dispose();
  if (b.labels instanceof tf.Tensor) b.labels.dispose();
}
