import * as tf from '@tensorflow/tfjs-core';
import { tidyResult } from './tidy';
import { sumPerChannel } from './reduce';
import { AdvlabBatchNormTrain, AdvlabBatchNormTrainGrad } from './kernel_names';
import { hasKernel, runKernelOutputs } from './native';
import { reluBackward } from './relu';

/**
 * Batch normalisation over N, H, W per channel in training mode (Ioffe and Szegedy, 2015),
 * with one pass of statistics: per-channel sums of `a` and `a^2` (see `sumPerChannel`).
 *
 * `z = (a - mean) / sqrt(var + eps) * gamma + beta`, `var` the biased batch variance (as
 * PyTorch uses to normalise); the unbiased variance is returned for the running estimate.
 *
 * Backends that register `AdvlabBatchNormTrain` / `AdvlabBatchNormTrainGrad` (onednn) run each
 * direction as one native kernel, with the following ReLU fused in; elsewhere the functions
 * below compose tfjs-core ops.
 */
export interface BatchNormCache {
  /** Input `[n, h, w, c]`. */
  readonly a: tf.Tensor4D;
  readonly mean: tf.Tensor1D;
  readonly invStd: tf.Tensor1D;
  /** `gamma * invStd`. */
  readonly scale: tf.Tensor1D;
  readonly gamma: tf.Tensor1D;
}

/** Batch statistics of one BN layer for one batch. */
export interface BatchStats {
  readonly mean: tf.Tensor1D;
  /** Unbiased variance (divides by count - 1), what PyTorch blends into `running_var`. */
  readonly unbiasedVar: tf.Tensor1D;
  /** Number of values per channel the statistics cover (`n * h * w`). */
  readonly count: number;
}

/** Training-mode forward. `a` `[n, h, w, c]`, `gamma`/`beta` `[c]`; returns `z` like `a`. */
export function batchNormTrain(
  a: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): { z: tf.Tensor4D; cache: BatchNormCache; stats: BatchStats } {
  const r = normalise(a, gamma, beta, eps, false);
  return { z: r.y, cache: r.cache, stats: r.stats };
}

/** {@link batchNormTrain} followed by ReLU: returns `h = relu(z)` (fused on native backends). */
export function batchNormReluTrain(
  a: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): { h: tf.Tensor4D; cache: BatchNormCache; stats: BatchStats } {
  const r = normalise(a, gamma, beta, eps, true);
  return { h: r.y, cache: r.cache, stats: r.stats };
}

function normalise(a: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number, relu: boolean): { y: tf.Tensor4D; cache: BatchNormCache; stats: BatchStats } {
  const c = a.shape[3];
  const count = a.size / c;
  if (hasKernel(AdvlabBatchNormTrain)) {
    const [y, mean, invStd, unbiasedVar] = runKernelOutputs(AdvlabBatchNormTrain, { x: a, gamma, beta }, { epsilon: eps, relu }) as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const scale = tf.mul(gamma, invStd) as tf.Tensor1D;
    return { y, cache: { a, mean, invStd, scale, gamma }, stats: { mean, unbiasedVar, count } };
  }
  const { mean, variance } = tidyResult(() => {
    const m = tf.div(sumPerChannel(a), count) as tf.Tensor1D;
    const meanSq = tf.div(sumPerChannel(tf.square(a)), count);
    const v = tf.relu(tf.sub(meanSq, tf.square(m))) as tf.Tensor1D;
    return { mean: m, variance: v };
  });
  const invStd = tf.tidy(() => tf.rsqrt(tf.add(variance, eps))) as tf.Tensor1D;
  const scale = tf.mul(gamma, invStd) as tf.Tensor1D;
  const y = tf.tidy(() => {
    const z = tf.add(tf.mul(a, scale), tf.sub(beta, tf.mul(mean, scale)));
    return relu ? tf.relu(z) : z;
  }) as tf.Tensor4D;
  const unbiasedVar = tf.mul(variance, count / Math.max(count - 1, 1)) as tf.Tensor1D;
  variance.dispose();
  return { y, cache: { a, mean, invStd, scale, gamma }, stats: { mean, unbiasedVar, count } };
}

/**
 * Training-mode backward: from `dz` `[n, h, w, c]` to `da`, `dgamma`, `dbeta`.
 *
 * `da = scale * (dz - mean(dz) - xhat * mean(dz * xhat))`, rearranged so that the only full
 * size passes are `dz * a` and one multiply-add with per-channel coefficients.
 */
export function batchNormTrainBackward(
  dz: tf.Tensor4D,
  cache: BatchNormCache,
): { da: tf.Tensor4D; dgamma: tf.Tensor1D; dbeta: tf.Tensor1D } {
  if (hasKernel(AdvlabBatchNormTrainGrad)) {
    const { a, mean, invStd, gamma } = cache;
    const [da, dgamma, dbeta] = runKernelOutputs(AdvlabBatchNormTrainGrad, { dy: dz, x: a, mean, invStd, gamma });
    return { da: da as tf.Tensor4D, dgamma: dgamma as tf.Tensor1D, dbeta: dbeta as tf.Tensor1D };
  }
  return tidyResult(() => {
    const { a, mean, invStd, scale } = cache;
    const c = a.shape[3];
    const count = a.size / c;
    const dbeta = sumPerChannel(dz);
    const sumDzA = sumPerChannel(tf.mul(dz, a));
    const dgamma = tf.mul(tf.sub(sumDzA, tf.mul(mean, dbeta)), invStd) as tf.Tensor1D;
    // da = dz * scale + a * k1 + k0
    const k1 = tf.div(tf.mul(tf.neg(scale), tf.mul(invStd, dgamma)), count);
    const k0 = tf.sub(tf.div(tf.mul(scale, tf.neg(dbeta)), count), tf.mul(k1, mean));
    const da = tf.add(tf.add(tf.mul(dz, scale), tf.mul(a, k1)), k0) as tf.Tensor4D;
    return { da, dgamma, dbeta };
  });
}

/**
 * Backward of {@link batchNormReluTrain}: from `dh` (gradient at the ReLU's output `h`) to
 * `da`, `dgamma`, `dbeta`. One native kernel where the backend has it.
 */
export function batchNormReluTrainBackward(
  dh: tf.Tensor4D,
  h: tf.Tensor4D,
  cache: BatchNormCache,
): { da: tf.Tensor4D; dgamma: tf.Tensor1D; dbeta: tf.Tensor1D } {
  if (hasKernel(AdvlabBatchNormTrainGrad)) {
    const { a, mean, invStd, gamma } = cache;
    const [da, dgamma, dbeta] = runKernelOutputs(AdvlabBatchNormTrainGrad, { dy: dh, x: a, y: h, mean, invStd, gamma });
    return { da: da as tf.Tensor4D, dgamma: dgamma as tf.Tensor1D, dbeta: dbeta as tf.Tensor1D };
  }
  return tidyResult(() => batchNormTrainBackward(reluBackward(dh, h), cache));
}

/**
 * Folds evaluation-mode BN into the preceding conv: returns `scale` and `shift` such that
 * `BN(conv(x, w) + b) = conv(x, w * scale) + shift`.
 */
export function foldBatchNorm(
  bias: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  eps: number,
): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  return tidyResult(() => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(runningVar, eps))) as tf.Tensor1D;
    const shift = tf.add(tf.mul(tf.sub(bias, runningMean), scale), beta) as tf.Tensor1D;
    return { scale, shift };
  });
}
