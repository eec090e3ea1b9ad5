import * as tf from '@tensorflow/tfjs-core';
import { Rng } from './random';

/** A batch after Mixup or CutMix. The caller owns `x` and `targets`. */
export interface MixedBatch {
  /** `[n, h, w, c]` mixed images, same range as the input. */
  readonly x: tf.Tensor4D;
  /** `[n, classes]` label weights, rows summing to 1. */
  readonly targets: tf.Tensor2D;
  /** Weight of each image's own label (for CutMix, 1 - the exact pasted area fraction). */
  readonly lambda: number;
  /** Partner of each image: image `i` is mixed with image `permutation[i]`. */
  readonly permutation: Int32Array;
}

/**
 * Mixup (Zhang et al., 2018, "mixup: Beyond Empirical Risk Minimization"): with
 * `lambda ~ Beta(alpha, alpha)` and a random permutation `p` of the batch,
 * `x' = lambda * x + (1 - lambda) * x[p]` and the same blend of the label weights.
 *
 * @param x `[n, h, w, c]` images (any range; pixels in [0, 1] stay in [0, 1]).
 * @param targets `[n, classes]` label weights (one-hot rows for plain labels).
 * @param alpha Beta parameter, > 0 (the notebook uses 0.4).
 */
export function mixup(x: tf.Tensor4D, targets: tf.Tensor2D, alpha: number, rng: Rng): MixedBatch {
  if (!(alpha > 0)) throw new RangeError(`mixup alpha must be > 0, got ${alpha}`);
  const lambda = rng.beta(alpha, alpha);
  const permutation = rng.permutation(x.shape[0]);
  const mixed = tf.tidy(() => {
    const idx = tf.tensor1d(permutation, 'int32');
    const blend = <T extends tf.Tensor>(a: T) => tf.add(tf.mul(a, lambda), tf.mul(tf.gather(a, idx), 1 - lambda)) as T;
    return { x: blend(x), targets: blend(targets) };
  });
  return { ...mixed, lambda, permutation };
}

/** A pasted rectangle: rows `[y0, y1)`, columns `[x0, x1)`. */
export interface CutBox {
  readonly y0: number;
  readonly y1: number;
  readonly x0: number;
  readonly x1: number;
}

/**
 * Draws CutMix's box for an `h x w` image: side ratio `sqrt(1 - lambda)`, centre uniform over
 * the image, clipped to the image (so the pasted area can be smaller than `1 - lambda`).
 */
export function sampleCutBox(h: number, w: number, lambda: number, rng: Rng): CutBox {
  const ratio = Math.sqrt(1 - lambda);
  const cutH = Math.floor(h * ratio);
  const cutW = Math.floor(w * ratio);
  const cy = rng.int(h);
  const cx = rng.int(w);
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return {
    y0: clip(cy - Math.floor(cutH / 2), h),
    y1: clip(cy + Math.ceil(cutH / 2), h),
    x0: clip(cx - Math.floor(cutW / 2), w),
    x1: clip(cx + Math.ceil(cutW / 2), w),
  };
}

/**
 * CutMix (Yun et al., 2019, "CutMix: Regularization Strategy to Train Strong Classifiers with
 * Localizable Features"): with `lambda ~ Beta(alpha, alpha)` and a permutation `p`, a box of
 * area about `1 - lambda` (see {@link sampleCutBox}) is pasted from image `p[i]` into image `i`;
 * `lambda` is then corrected to the exact kept fraction `1 - box area / (h * w)` and the label
 * weights are blended with it.
 *
 * @param x `[n, h, w, c]` images; @param targets `[n, classes]` label weights; @param alpha > 0.
 */
export function cutmix(x: tf.Tensor4D, targets: tf.Tensor2D, alpha: number, rng: Rng): MixedBatch & { readonly box: CutBox } {
  if (!(alpha > 0)) throw new RangeError(`cutmix alpha must be > 0, got ${alpha}`);
  const [n, h, w] = x.shape;
  const drawn = rng.beta(alpha, alpha);
  const permutation = rng.permutation(n);
  const box = sampleCutBox(h, w, drawn, rng);
  const area = (box.y1 - box.y0) * (box.x1 - box.x0);
  const lambda = 1 - area / (h * w);
  const mixed = tf.tidy(() => {
    const idx = tf.tensor1d(permutation, 'int32');
    const m = new Float32Array(h * w);
    for (let r = box.y0; r < box.y1; r++) m.fill(1, r * w + box.x0, r * w + box.x1);
    const mask = tf.tensor4d(m, [1, h, w, 1]);
    const pasted = tf.add(tf.mul(x, tf.sub(1, mask)), tf.mul(tf.gather(x, idx), mask)) as tf.Tensor4D;
    const t = tf.add(tf.mul(targets, lambda), tf.mul(tf.gather(targets, idx), 1 - lambda)) as tf.Tensor2D;
    return { x: pasted, targets: t };
  });
  return { ...mixed, lambda, permutation, box };
}
