import * as tf from '@tensorflow/tfjs-core';
import { hasFastGradientKernels } from './native';

/**
 * 2x2 max-pooling, stride 2, no padding, NHWC; and its gradient.
 *
 * The gradient is built from elementwise kernels (the backends' `MaxPoolGrad` is slow on
 * wasm): `dx = upsample(dy) * [x == upsample(max)]`, where the indicator is taken as
 * `1 - step(upsample(max) - x)`. On ties every maximal element of a window receives the
 * gradient; ties have probability zero for real-valued inputs, and the all-zero windows
 * left by a ReLU are masked again by that ReLU's own gradient.
 *
 * Backends with fast gradient kernels (onednn) run their own `MaxPoolGrad`, which routes each
 * window's gradient to its first maximum: the same result wherever the window maximum is unique
 * or the ReLU's gradient masks the ties.
 */

/** `x` `[n, h, w, c]` with even `h`, `w`; returns `[n, h/2, w/2, c]`. */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 2, 2, 'valid');
}

/** Nearest-neighbour 2x upsampling: `[n, h, w, c]` to `[n, 2h, 2w, c]`. */
export function upsample2x(y: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = y.shape;
    const spread = tf.mul(tf.reshape(y, [n * h, 1, w, 1, c]), tf.ones([1, 2, 1, 2, 1]));
    return tf.reshape(spread, [n, 2 * h, 2 * w, c]) as tf.Tensor4D;
  });
}

/** Gradient of {@link maxPool2x2}: `x` the input, `y` its output, `dy` like `y`; returns like `x`. */
export function maxPool2x2Backward(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  if (hasFastGradientKernels()) {
    return tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const isMax = tf.sub(1, tf.step(tf.sub(upsample2x(y), x)));
    return tf.mul(upsample2x(dy), isMax) as tf.Tensor4D;
  });
}
