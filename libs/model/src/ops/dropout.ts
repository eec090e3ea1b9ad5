import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random';
import { AdvlabDropoutMask } from './kernel_names';
import { hasKernel } from './native';

/**
 * Inverted dropout mask (Srivastava et al., 2014): each element is 0 with probability `rate`
 * and `1 / (1 - rate)` otherwise, so the expected activation is unchanged.
 *
 * Image `i` of the batch draws from its own generator seeded by `(seed, imageIds[i], layer)`,
 * so the mask of an image does not depend on how a batch is split across workers.
 * Drawn in JavaScript (cheaper than `tf.randomUniform` plus a comparison on wasm), or by the
 * backend's `AdvlabDropoutMask` kernel, which draws the same numbers natively (onednn).
 *
 * @param shape `[n, h, w, c]` of the activation.
 * @param imageIds `n` integers identifying the images (e.g. their index in the epoch).
 */
export function dropoutMask(
  shape: readonly [number, number, number, number],
  rate: number,
  seed: number,
  layer: number,
  imageIds: ArrayLike<number>,
): tf.Tensor4D {
  const [n, h, w, c] = shape;
  if (imageIds.length !== n) throw new Error(`dropoutMask: ${imageIds.length} image ids for a batch of ${n}`);
  if (hasKernel(AdvlabDropoutMask)) {
    return tf.tidy(() => {
      const ids = tf.tensor1d(Int32Array.from(imageIds), 'int32');
      return tf.engine().runKernel(AdvlabDropoutMask, { imageIds: ids }, { shape: [n, h, w, c], rate, seed, layer }) as tf.Tensor4D;
    });
  }
  const per = h * w * c;
  const values = new Float32Array(n * per);
  const keep = 1 / (1 - rate);
  const threshold = Math.floor(rate * 4294967296);
  for (let i = 0; i < n; i++) {
    const rng = new Rng(seed, imageIds[i], layer);
    const base = i * per;
    for (let j = 0; j < per; j++) values[base + j] = rng.nextUint32() < threshold ? 0 : keep;
  }
  return tf.tensor4d(values, [n, h, w, c]);
}
