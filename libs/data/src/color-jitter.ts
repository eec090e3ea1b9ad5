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
 *
 * All three are affine in the colour of a pixel, so each stage runs as one batched
 * `[h*w, 3] x [3, 3]` colour matrix per image plus a per-image bias, then the clip:
 * brightness `M = f*I`; saturation `M = f*I + (1-f) * luma * 1^T`; contrast `M = f*I`,
 * bias `(1-f) * mean(x) . luma` (the mean grey level is the luma of the mean colour).
 */
export function colorJitter(x: tf.Tensor4D, p: ColorJitterParams): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    let y: tf.Tensor3D = tf.reshape(x, [n, h * w, c]);
    for (let stage = 0; stage < JITTER_OPS.length; stage++) {
      const matrix = new Float32Array(n * 9);
      const toMean = new Float32Array(n * 3);
      let changes = false;
      let contrast = false;
      for (let i = 0; i < n; i++) {
        const op = p.order[3 * i + stage];
        const f = op === 0 ? p.brightness[i] : op === 1 ? p.contrast[i] : p.saturation[i];
        changes ||= f !== 1;
        contrast ||= op === 1 && f !== 1;
        for (let a = 0; a < 3; a++) {
          for (let b = 0; b < 3; b++) matrix[9 * i + 3 * a + b] = (a === b ? f : 0) + (op === 2 ? (1 - f) * LUMA[a] : 0);
          toMean[3 * i + a] = op === 1 ? (1 - f) * LUMA[a] : 0;
        }
      }
      if (!changes) continue;
      let mixed: tf.Tensor3D = tf.matMul(y, tf.tensor3d(matrix, [n, 3, 3]));
      if (contrast) mixed = tf.add(mixed, tf.sum(tf.mul(tf.mean(y, 1, true), tf.tensor3d(toMean, [n, 1, 3])), 2, true));
      y = tf.clipByValue(mixed, 0, 1);
    }
    return tf.reshape(y, [n, h, w, c]) as tf.Tensor4D;
  });
}
