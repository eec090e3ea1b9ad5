import * as tf from '@tensorflow/tfjs-core';
import { hasFastGradientKernels } from './native';

/** Column sums of a small `[rows, cols]` matrix as `[cols]`. */
export function sumRows(m: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(m, 0);
}

/**
 * Per-channel sums of an NHWC tensor over N, H and W: `[n, h, w, c]` to `[c]`.
 *
 * Taken as a global average pool per image followed by a sum over the (small) batch axis:
 * pooling is a fast streaming kernel on every backend, while a reduction over the leading
 * axes (`tf.sum(x, [0, 1, 2])`, or a matrix product with a ones vector, whose big operand
 * gets repacked) costs 30-60x more on wasm. The onednn backend's `Sum` streams over the
 * leading axes directly, so there it is a plain sum.
 */
export function sumPerChannel(x: tf.Tensor4D): tf.Tensor1D {
  if (hasFastGradientKernels()) return tf.sum(x, [0, 1, 2]);
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const means = tf.reshape(tf.avgPool(x, [h, w], [h, w], 'valid'), [n, c]);
    return tf.mul(tf.sum(means, 0), h * w) as tf.Tensor1D;
  });
}
