import { AUGMENTATION_FIELDS, TRAINING_FIELDS } from '@advlab/config';
import * as tf from '@tensorflow/tfjs-core';
import { Adam, AdamState } from './adam';
import { backendSignature } from './backend';
import { ModelConfig } from './config';
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

/**
 * Everything needed to continue a run after an epoch as if it had never stopped: taken by
 * {@link EpochEnd.snapshot} and given back as {@link TrainHooks.resumeFrom}. Plain values and
 * arrays (no tensors); `encodeTrainingCheckpoint` / `decodeCheckpoint` carry it in a Buffer.
 *
 * It holds no random-generator state because the loop has none that lasts across epochs:
 * every draw of epoch `e` (Mixup / CutMix ratios, permutations and boxes, dropout masks) comes
 * from a generator seeded by `(config.seed, e, batch, ...)`, and `TrainingData.train(e)` is
 * expected to do the same for its shuffle and augmentation (as `@advlab/data`'s `BatchLoader`
 * does, and the adversarial batches of `@advlab/attacks`).
 */
export interface TrainingState {
  readonly modelConfig: ModelConfig;
  readonly numClasses: number;
  /** The run's configuration; a resumed run must be given the same. */
  readonly config: TrainConfig;
  /** Epochs finished: the run goes on with epoch index `epochsDone` (0-based). */
  readonly epochsDone: number;
  /** Optimiser steps taken: with `batchesPerEpoch` and `config`, the learning-rate schedule's position. */
  readonly step: number;
  readonly batchesPerEpoch: number;
  /**
   * Threads the steps were spread over. Batch norm normalises each thread's shard on its own,
   * so a resumed run uses the same count unless told otherwise (`TrainHooks.workers` or `runner`).
   */
  readonly workers: number;
  /**
   * `backendSignature()` of the process that took it. A resumed run is bit for bit the
   * uninterrupted one when the resuming process has the same (for onednn: the same OpenMP
   * thread count, `ADVLAB_THREADS`); otherwise it is the same run up to float rounding.
   */
  readonly backend: string;
  /** Metrics of epochs `0 .. epochsDone - 1`. */
  readonly history: readonly EpochMetrics[];
  /** Parameters and batch-norm running statistics by name (as `Model.getWeights`). */
  readonly weights: Readonly<Record<string, Float32Array>>;
  readonly optimizer: AdamState;
}

/** What `onEpoch` gets besides the metrics. */
export interface EpochEnd {
  /**
   * The run's state at the end of this epoch, for resuming it later with
   * {@link TrainHooks.resumeFrom}. Copies weights and moments from the backend on the first
   * call (later calls return the same object); only valid until `onEpoch` returns.
   */
  snapshot(): TrainingState;
}

/** Callbacks and cancellation. */
export interface TrainHooks {
  onBatch?(p: BatchProgress): void | Promise<void>;
  /**
   * Called after every epoch with its metrics; returning `'stop'` ends training there (the
   * caller's early stopping: which epoch is best is the caller's rule, not the loop's).
   * `end.snapshot()` gives the state to resume from after this epoch.
   */
  onEpoch?(m: EpochMetrics, end: EpochEnd): void | 'stop' | Promise<void | 'stop'>;
  /**
   * Continue the run a {@link TrainingState} was taken from, at epoch `epochsDone`: the model's
   * weights, the optimiser and the schedule's position are set from it, and the run ends at
   * `config.epochs` as the original would have. `config` must equal the state's and `model`
   * have its architecture. On the same backend, worker count and data, the result is the
   * uninterrupted run's bit for bit.
   */
  readonly resumeFrom?: TrainingState;
  /** Aborting stops cleanly before the next batch; the model keeps the weights reached. */
  readonly signal?: AbortSignal;
  /** Computes the steps (the caller keeps ownership). Default: `createStepRunner(model, { workers })`. */
  readonly runner?: StepRunner;
  /** Threads for the default runner: a count, or `auto` (default; env `ADVLAB_WORKERS`). */
  readonly workers?: number | 'auto';
}

/** Outcome of {@link train}. */
export interface TrainResult {
  /** Every epoch of the run, those before a resume included. */
  readonly history: EpochMetrics[];
  /** `stopped`: an `onEpoch` asked to stop. */
  readonly stopReason: 'completed' | 'stopped' | 'aborted';
  /** Optimiser steps of the run, those before a resume included. */
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
 * history; the caller's `onEpoch` may stop it, and may take a snapshot to resume from
 * ({@link TrainHooks.resumeFrom}).
 */
export async function train(model: Model, data: TrainingData, partial: Partial<TrainConfig> = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const config = withTrainDefaults(partial);
  const resume = hooks.resumeFrom;
  if (resume) checkResumable(resume, model, config, data);
  let runner: StepRunner | null = hooks.runner ?? null;
  const adam = new Adam({ weightDecay: config.weightDecay });
  const history: EpochMetrics[] = resume ? [...resume.history] : [];
  let batchesPerEpoch = resume?.batchesPerEpoch ?? data.batchesPerEpoch ?? 0;
  let step = resume?.step ?? 0;
  let stopReason: TrainResult['stopReason'] = 'completed';
  const workers = hooks.workers ?? resume?.workers;

  const lrAt = (s: number) => {
    const total = Math.max(1, batchesPerEpoch * config.epochs);
    return learningRate(config.lrSchedule, config.learningRate, s, total, config.warmupEpochs * batchesPerEpoch);
  };

  try {
    if (resume) {
      adam.setState(resume.optimizer, model.params);
      model.setWeights(resume.weights);
    }
    for (let epoch = resume?.epochsDone ?? 0; epoch < config.epochs && stopReason === 'completed'; epoch++) {
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
        runner ??= await createStepRunner(model, { workers, batchSize: b.x.shape[0] });
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
      if (hooks.onEpoch) {
        const end = epochEnd(model, config, adam, { epochsDone: epoch + 1, step, batchesPerEpoch, workers: runner?.workers ?? 1, history });
        try {
          if ((await hooks.onEpoch(metrics, end)) === 'stop') stopReason = 'stopped';
        } finally {
          end.close();
        }
      }
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

/** The `onEpoch` argument: a lazy snapshot that stops working once the hook has returned. */
function epochEnd(
  model: Model,
  config: TrainConfig,
  adam: Adam,
  position: Pick<TrainingState, 'epochsDone' | 'step' | 'batchesPerEpoch' | 'workers' | 'history'>,
): EpochEnd & { close(): void } {
  let open = true;
  let taken: TrainingState | null = null;
  return {
    snapshot() {
      if (!open) throw new Error('snapshot(): take it inside onEpoch, before training goes on');
      taken ??= {
        modelConfig: model.config,
        numClasses: model.numClasses,
        config,
        ...position,
        backend: backendSignature(),
        history: [...position.history],
        weights: model.getWeights(),
        optimizer: adam.getState(),
      };
      return taken;
    },
    close() {
      open = false;
    },
  };
}

/** Throws unless `state` can continue on `model` with `config` and `data`, naming what differs. */
function checkResumable(state: TrainingState, model: Model, config: TrainConfig, data: TrainingData): void {
  const fail = (what: string) => {
    throw new Error(`resumeFrom: ${what}`);
  };
  const json = (v: unknown) => JSON.stringify(v);
  if (state.numClasses !== model.numClasses) fail(`the state has ${state.numClasses} classes, the model ${model.numClasses}`);
  for (const key of Object.keys(model.config) as (keyof ModelConfig)[]) {
    if (json(state.modelConfig[key]) !== json(model.config[key])) fail(`model ${key} is ${json(model.config[key])}, the state's is ${json(state.modelConfig[key])}`);
  }
  const tensors = { ...model.params, ...model.bnState };
  for (const [name, v] of Object.entries(tensors)) {
    if (state.weights[name]?.length !== v.size) fail(`weights lack ${name} or have the wrong size for it`);
  }
  for (const name of Object.keys(state.weights)) if (!tensors[name]) fail(`weights name ${name}, which the model does not have`);
  for (const key of Object.keys(config) as (keyof TrainConfig)[]) {
    if (state.config[key] !== config[key]) fail(`${key} is ${String(config[key])}, the run being resumed had ${String(state.config[key])}`);
  }
  if (!Number.isInteger(state.epochsDone) || state.epochsDone < 1) fail(`epochsDone must be an integer >= 1, got ${state.epochsDone}`);
  if (state.history.length !== state.epochsDone) fail(`${state.history.length} epochs of history for ${state.epochsDone} epochs done`);
  if (data.batchesPerEpoch !== undefined && data.batchesPerEpoch !== state.batchesPerEpoch) {
    fail(`the data has ${data.batchesPerEpoch} batches per epoch, the run being resumed had ${state.batchesPerEpoch}`);
  }
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
