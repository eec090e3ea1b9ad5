import * as tf from '@tensorflow/tfjs-core';
import { tidyResult } from './tidy';
import { sumPerChannel } from './reduce';
import { convFilterGrad, convInputGrad } from './conv3x3';
import { hasFastGradientKernels } from './native';

/**
 * The blocks' skip path: a 1x1 convolution with stride 2 (PyTorch `Conv2d(cin, cout, 1, 2)`),
 * written as "take every other pixel" followed by a matrix product, and its gradients.
 *
 * Subsampling is a 1x1 max-pool with stride 2 (exact, and fast on every backend);
 * the input gradient scatters back into the even positions with a pad of a reshape.
 * Backends with fast gradient kernels (onednn) run it as the strided convolution it is, with
 * the backend's `Conv2DBackpropInput` / `Conv2DBackpropFilter` for the gradients.
 */

/** What {@link skipConvBackward} needs from the forward pass. */
export interface SkipConvCache {
  /** The subsampled input `[n, h/2, w/2, cin]`, or the input itself when `strided`. */
  readonly xs: tf.Tensor4D;
  /** True when the forward pass was the strided convolution (so `xs` is the full input). */
  readonly strided: boolean;
}

/** Every other row and column: `[n, h, w, c]` to `[n, h/2, w/2, c]`. */
export function subsample2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 1, 2, 'valid');
}

/** `x` `[n, h, w, cin]` (even h, w), `w` `[1, 1, cin, cout]`, `b` `[cout]`; returns `[n, h/2, w/2, cout]` and what the backward pass needs. */
export function skipConv(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D): { y: tf.Tensor4D; cache: SkipConvCache } {
  if (hasFastGradientKernels()) {
    const y = tf.fused.conv2d({ x, filter: w, strides: 2, pad: 'valid', bias: b });
    return { y, cache: { xs: x, strided: true } };
  }
  const xs = subsample2x(x);
  const y = tf.tidy(() => {
    const [n, h, wd, cin] = xs.shape;
    const cout = w.shape[3];
    const flat = tf.matMul(tf.reshape(xs, [n * h * wd, cin]) as tf.Tensor2D, tf.reshape(w, [cin, cout]) as tf.Tensor2D);
    return tf.reshape(tf.add(flat, b), [n, h, wd, cout]) as tf.Tensor4D;
  });
  return { y, cache: { xs, strided: false } };
}

/**
 * Gradients of {@link skipConv}: `cache` what it returned, `w` the weight, `dy`
 * `[n, h/2, w/2, cout]`. `needInput` false skips `dx`; `needWeights` false skips `dw` and
 * `db` on backends with fast gradient kernels (elsewhere they are cheap and always computed).
 */
export function skipConvBackward(
  cache: SkipConvCache,
  w: tf.Tensor4D,
  dy: tf.Tensor4D,
  needInput = true,
  needWeights = true,
): { dx: tf.Tensor4D | null; dw: tf.Tensor4D | null; db: tf.Tensor1D | null } {
  if (cache.strided) {
    const x = cache.xs;
    return {
      dx: needInput ? convInputGrad(dy, w, x.shape, 2, 'valid') : null,
      dw: needWeights ? convFilterGrad(x, dy, w.shape, 2, 'valid') : null,
      db: needWeights ? sumPerChannel(dy) : null,
    };
  }
  const xs = cache.xs;
  return tidyResult(() => {
    const [n, h, wd, cin] = xs.shape;
    const cout = w.shape[3];
    const rows = n * h * wd;
    const dy2 = tf.reshape(dy, [rows, cout]) as tf.Tensor2D;
    const xs2 = tf.reshape(xs, [rows, cin]) as tf.Tensor2D;
    const dw = tf.reshape(tf.matMul(tf.transpose(xs2), dy2), [1, 1, cin, cout]) as tf.Tensor4D;
    const db = sumPerChannel(dy);
    let dx: tf.Tensor4D | null = null;
    if (needInput) {
      const dxs = tf.matMul(dy2, tf.transpose(tf.reshape(w, [cin, cout])));
      const spread = tf.pad(tf.reshape(dxs, [n * h, 1, wd, cin]), [
        [0, 0],
        [0, 1],
        [0, 0],
        [0, cin],
      ]);
      dx = tf.reshape(spread, [n, 2 * h, 2 * wd, cin]) as tf.Tensor4D;
    }
    return { dx, dw, db };
  });
}
