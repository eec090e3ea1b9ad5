import * as tf from '@tensorflow/tfjs-core';
import { hasFastGradientKernels } from './native';

/**
 * 3x3 convolution, stride 1, zero padding 1 ('same'), NHWC, and its two gradients built from
 * forward convolutions only.
 *
 * Forward convolutions are the fast kernel on every backend (XNNPACK on wasm); the wasm
 * backend has no `Conv2DBackpropFilter` and a slow `Conv2DBackpropInput`, so both gradients
 * are rewritten as forward convs:
 * - input gradient: correlation of `dy` with the spatially flipped, in/out-swapped filter;
 * - filter gradient: a 'valid' conv whose batch is the input channels and whose "filter" is
 *   `dy`, i.e. `dW[kh, kw, ci, co] = sum_{n, h, w} xpad[n, h + kh, w + kw, ci] * dy[n, h, w, co]`.
 *
 * On backends with fast gradient kernels (onednn) both gradients are the backend's own
 * `Conv2DBackpropInput` / `Conv2DBackpropFilter` instead: there the rewrite costs 4-5x.
 */

/** `x`: `[n, h, w, cin]`; `w`: `[3, 3, cin, cout]`; returns `[n, h, w, cout]` (no bias). */
export function conv3x3(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.conv2d(x, w, 1, 'same');
}

/** Gradient with respect to the input: `dy` `[n, h, w, cout]`, `w` `[3, 3, cin, cout]`, returns `[n, h, w, cin]`. */
export function conv3x3InputGrad(dy: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  if (hasFastGradientKernels()) {
    const [n, h, wd] = dy.shape;
    return convInputGrad(dy, w, [n, h, wd, w.shape[2]], 1, 'same');
  }
  return tf.tidy(() => {
    const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(dy, flipped, 1, 'same');
  });
}

/**
 * Default number of images per filter-gradient convolution: bounds the memory of the
 * transposed copies for large batches (on wasm, 16 or 32 images per slice cost the same).
 */
export const FILTER_GRAD_CHUNK = 32;

/**
 * Gradient with respect to the filter: `x` `[n, h, w, cin]` (the forward input), `dy`
 * `[n, h, w, cout]`; returns `[3, 3, cin, cout]`. Summed over slices of `chunk` images.
 */
export function conv3x3FilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, chunk = FILTER_GRAD_CHUNK): tf.Tensor4D {
  if (hasFastGradientKernels()) return convFilterGrad(x, dy, [3, 3, x.shape[3], dy.shape[3]], 1, 'same');
  return tf.tidy(() => {
    const [n, h, w, cin] = x.shape;
    const cout = dy.shape[3];
    let total: tf.Tensor4D | null = null;
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const xs = size === n ? x : tf.slice(x, [start, 0, 0, 0], [size, h, w, cin]);
      const dys = size === n ? dy : tf.slice(dy, [start, 0, 0, 0], [size, h, w, cout]);
      // [cin, h + 2, w + 2, size]: input channels as the batch, images as the channels.
      const xT = tf.transpose(tf.pad(xs, [[0, 0], [1, 1], [1, 1], [0, 0]]), [3, 1, 2, 0]) as tf.Tensor4D;
      // [h, w, size, cout]: dy as a filter spanning the whole image.
      const dyT = tf.transpose(dys, [1, 2, 0, 3]) as tf.Tensor4D;
      const part = tf.conv2d(xT, dyT, 1, 'valid'); // [cin, 3, 3, cout]
      const next: tf.Tensor4D = total === null ? part : tf.add(total, part);
      total = next;
    }
    return tf.transpose(total as tf.Tensor4D, [1, 2, 0, 3]);
  });
}

/**
 * The backend's `Conv2DBackpropInput`: gradient of `conv2d(x, w, strides, pad)` with respect to
 * `x` of shape `inputShape`, for `dy` like the conv's output.
 */
export function convInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, inputShape: [number, number, number, number], strides: number, pad: 'same' | 'valid'): tf.Tensor4D {
  return tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { strides, pad, dataFormat: 'NHWC', inputShape }) as tf.Tensor4D;
}

/** The backend's `Conv2DBackpropFilter`: gradient of `conv2d(x, w, strides, pad)` with respect to `w` of shape `filterShape`. */
export function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], strides: number, pad: 'same' | 'valid'): tf.Tensor4D {
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides, pad, dataFormat: 'NHWC', filterShape }) as tf.Tensor4D;
}
