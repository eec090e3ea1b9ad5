import * as tf from '@tensorflow/tfjs-core';
import { AdvlabReluGrad } from './kernel_names';
import { hasKernel } from './native';

/**
 * Gradient through a ReLU given its output `y`: `dy * (y > 0)`, both `[n, h, w, c]`.
 * One native pass where the backend has `AdvlabReluGrad`, `dy * step(y)` elsewhere.
 */
export function reluBackward(dy: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor4D {
  if (hasKernel(AdvlabReluGrad)) return tf.engine().runKernel(AdvlabReluGrad, { dy, y }) as tf.Tensor4D;
  return tf.tidy(() => tf.mul(dy, tf.step(y)) as tf.Tensor4D);
}
