import * as tf from '@tensorflow/tfjs-core';

/** The three colour adjustments of torchvision's `ColorJitter` (hue is not used). */
export const JITTER_OPS = ['brightness', 'contrast', 'saturation'] as const;
export type JitterOp = (typeof JITTER_OPS)[number];

/**
 * Per-image colour-jitter parameters for a batch of `n` images.
 *
 * - `brightness`, `contrast`, `saturation`: `n` factors each, 1 = unchanged.
 * - `order`: `n * 3` op indices (0 brightness, 1 contrast, 2 saturation), a permutation per
 *   image: image `i` applies `order[3i]`, then `order[3i+1]`, then `order[3i+2]`.
 */
export interface ColorJitterParams {
  readonly brightness: Float32Array;
  readonly contrast: Float32Array;
  readonly saturation: Float32Array;
  readonly order: Uint8Array;
}

/** ITU-R 601 luma weights, as torchvision's `rgb_to_grayscale`. */
const LUMA = [0.2989, 0.587, 0.114];

/** Grey level of `x` `[n, h, w, 3]` as `[n, h, w, 1]`, same range. */
export function rgbToGrayscale(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sum(tf.mul(x, tf.tensor1d(LUMA)), -1, true) as tf.Tensor4D);
}

/**
 * torchvision's `ColorJitter` on a batch, each image with its own factors and op order.
 *
 * `x`: `[n, h, w, 3]` float32 in [0, 1]. Each op blends the image with a target and clips to
 * [0, 1] (torchvision's `_blend`): brightness `f*x` (target black); contrast
 * `f*x + (1-f)*mean(grey(x))` (the image's mean grey level); saturation
 * `f*x + (1-f)*grey(x)` (per-pixel greyscale). Returns a new tensor, same shape, in [0, 1].
 */
export function colorJitter(x: tf.Tensor4D, p: ColorJitterParams): tf.Tensor4D {
  const n = x.shape[0];
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    for (let stage = 0; stage < JITTER_OPS.length; stage++) {
      const factor = new Float32Array(n);
      const toMean = new Float32Array(n);
      const toGrey = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const op = p.order[3 * i + stage];
        factor[i] = op === 0 ? p.brightness[i] : op === 1 ? p.contrast[i] : p.saturation[i];
        toMean[i] = op === 1 ? 1 : 0;
        toGrey[i] = op === 2 ? 1 : 0;
      }
      if (factor.every((f) => f === 1)) continue;
      const f = tf.tensor4d(factor, [n, 1, 1, 1]);
      let target: tf.Tensor = tf.scalar(0);
      if (toMean.some((v) => v) || toGrey.some((v) => v)) {
        const grey = rgbToGrayscale(y);
        const mean = tf.mean(grey, [1, 2, 3], true);
        target = tf.add(tf.mul(tf.tensor4d(toMean, [n, 1, 1, 1]), mean), tf.mul(tf.tensor4d(toGrey, [n, 1, 1, 1]), grey));
      }
      y = tf.clipByValue(tf.add(tf.mul(f, y), tf.mul(tf.sub(1, f), target)), 0, 1) as tf.Tensor4D;
    }
    return y === x ? tf.clone(x) : y;
  });
}
