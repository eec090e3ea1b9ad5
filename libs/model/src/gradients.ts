import * as tf from '@tensorflow/tfjs-core';
import { tidyResult } from './ops/tidy';
import { LossName, lossWithGradient } from './losses';
import { Model } from './model';
import { backward, forward, NamedTensors } from './network';
import { BatchStats } from './ops/batch_norm';

/** Options of {@link lossAndGradients}. */
export interface LossAndGradientsOptions {
  readonly loss: LossName;
  /** Dropout seed of this step. Default 0. */
  readonly dropoutSeed?: number;
  /** One id per image for the dropout draws (e.g. its position in the epoch). Default `0..n-1`. */
  readonly imageIds?: ArrayLike<number>;
}

/** Result of {@link lossAndGradients}; the caller owns (and disposes) every tensor. */
export interface LossAndGradients {
  /** Mean loss over the batch. */
  readonly loss: tf.Scalar;
  /** Training-mode logits `[n, classes]`. */
  readonly logits: tf.Tensor2D;
  /** Gradient of the mean loss for every trainable parameter, by name. */
  readonly grads: NamedTensors;
  /** Batch statistics of every BN layer, keyed by its running-mean name. */
  readonly batchStats: Record<string, BatchStats>;
}

/**
 * One training-mode forward and backward pass: loss, logits, parameter gradients and the BN
 * batch statistics (to blend into the running estimates with `Model.updateRunningStats`).
 *
 * @param x `[n, size, size, 3]` pixels in [0, 1].
 * @param targets `[n, classes]` label weights, rows summing to 1.
 */
export function lossAndGradients(model: Model, x: tf.Tensor4D, targets: tf.Tensor2D, opts: LossAndGradientsOptions): LossAndGradients {
  model.checkInput(x);
  return tidyResult(() => {
    const fwd = forward(model.layout, model.params, model.bnState, x, {
      training: true,
      record: true,
      dropout: { seed: opts.dropoutSeed ?? 0, imageIds: opts.imageIds },
    });
    const tape = fwd.tape as NonNullable<typeof fwd.tape>;
    const { loss, dlogits } = lossWithGradient(opts.loss, fwd.logits, targets);
    const { grads } = backward(model.layout, model.params, tape, dlogits, { params: true, input: false });
    return { loss, logits: fwd.logits, grads, batchStats: fwd.batchStats };
  });
}

/** Options of {@link inputGradient}. */
export interface InputGradientOptions {
  /** Run the model in training mode (batch statistics, dropout). Default false: evaluation mode, as attacks use. */
  readonly training?: boolean;
  readonly dropoutSeed?: number;
}

/**
 * What {@link inputGradient} differentiates: one of the training losses against label
 * weights, or any function of the logits that returns its value and its gradient.
 */
export type LogitObjective =
  | { readonly loss: LossName; readonly targets: tf.Tensor2D }
  | ((logits: tf.Tensor2D) => { value: tf.Scalar; dlogits: tf.Tensor2D });

/** Result of {@link inputGradient}; the caller owns every tensor. */
export interface InputGradient {
  /** `d objective / d x`, `[n, size, size, 3]`, with respect to the [0, 1] pixels. */
  readonly grad: tf.Tensor4D;
  readonly value: tf.Scalar;
  readonly logits: tf.Tensor2D;
}

/**
 * Gradient of an objective of the logits with respect to the input pixels, with the model
 * fixed (in evaluation mode by default). This is the gradient white-box attacks (FGSM, PGD)
 * follow; no parameter gradient is computed.
 *
 * The losses are batch means, so each image's gradient carries a factor `1 / n`.
 *
 * @param x `[n, size, size, 3]` pixels in [0, 1].
 */
export function inputGradient(model: Model, x: tf.Tensor4D, objective: LogitObjective, opts: InputGradientOptions = {}): InputGradient {
  model.checkInput(x);
  return tidyResult(() => {
    const fwd = forward(model.layout, model.params, model.bnState, x, {
      training: opts.training ?? false,
      record: true,
      dropout: { seed: opts.dropoutSeed ?? 0 },
    });
    const logits = fwd.logits;
    const { value, dlogits } = typeof objective === 'function' ? objective(logits) : renameLoss(lossWithGradient(objective.loss, logits, objective.targets));
    const tape = fwd.tape as NonNullable<typeof fwd.tape>;
    const { dx } = backward(model.layout, model.params, tape, dlogits, { params: false, input: true });
    return { grad: dx as tf.Tensor4D, value, logits };
  });
}

/** Reads batch statistics tensors into plain arrays (and disposes them). */
export function readBatchStats(stats: Record<string, BatchStats>): Record<string, { mean: Float32Array; unbiasedVar: Float32Array; count: number }> {
  const out: Record<string, { mean: Float32Array; unbiasedVar: Float32Array; count: number }> = {};
  for (const [name, s] of Object.entries(stats)) {
    out[name] = { mean: s.mean.dataSync() as Float32Array, unbiasedVar: s.unbiasedVar.dataSync() as Float32Array, count: s.count };
    tf.dispose([s.mean, s.unbiasedVar]);
  }
  return out;
}

function renameLoss(r: { loss: tf.Scalar; dlogits: tf.Tensor2D }): { value: tf.Scalar; dlogits: tf.Tensor2D } {
  return { value: r.loss, dlogits: r.dlogits };
}
