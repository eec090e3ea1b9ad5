import * as tf from '@tensorflow/tfjs-core';
import { ColorJitterParams, colorJitter } from './color-jitter';
import { assertOption } from './errors';
import type { Rng } from './random';

/** Training augmentation as in the notebook: `RandomHorizontalFlip()` then `ColorJitter(0.2, 0.2, 0.2)`. */
export interface AugmentOptions {
  /** Probability of mirroring an image left-right. Default 0.5. */
  readonly flipProbability?: number;
  /** Brightness factor drawn uniformly from [max(0, 1-s), 1+s]. Default s = 0.2. */
  readonly brightness?: number;
  /** Contrast factor drawn uniformly from [max(0, 1-s), 1+s]. Default s = 0.2. */
  readonly contrast?: number;
  /** Saturation factor drawn uniformly from [max(0, 1-s), 1+s]. Default s = 0.2. */
  readonly saturation?: number;
}

/** Per-image augmentation draws for a batch: `flip[i]` is 1 to mirror image `i`, plus jitter. */
export interface AugmentParams extends ColorJitterParams {
  readonly flip: Uint8Array;
}

/** Draws augmentation parameters for `n` images from `rng`, torchvision's way. */
export function sampleAugmentParams(n: number, opts: AugmentOptions, rng: Rng): AugmentParams {
  const p = opts.flipProbability ?? 0.5;
  const s = { brightness: opts.brightness ?? 0.2, contrast: opts.contrast ?? 0.2, saturation: opts.saturation ?? 0.2 };
  assertOption(p >= 0 && p <= 1, () => `flipProbability must be in [0, 1], got ${p}`);
  for (const [k, v] of Object.entries(s)) assertOption(v >= 0, () => `${k} must be >= 0, got ${v}`);
  const draw = (strength: number): Float32Array => {
    const out = new Float32Array(n).fill(1);
    if (strength > 0) for (let i = 0; i < n; i++) out[i] = rng.uniform(Math.max(0, 1 - strength), 1 + strength);
    return out;
  };
  const flip = new Uint8Array(n);
  for (let i = 0; i < n; i++) flip[i] = rng.next() < p ? 1 : 0;
  const order = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const perm = [0, 1, 2];
    for (let k = 2; k > 0; k--) {
      const j = rng.int(k + 1);
      [perm[k], perm[j]] = [perm[j], perm[k]];
    }
    order.set(perm, 3 * i);
  }
  return { flip, brightness: draw(s.brightness), contrast: draw(s.contrast), saturation: draw(s.saturation), order };
}

/**
 * Mirrors left-right the images of `x` `[n, h, w, c]` whose `flip` entry is 1; the others
 * are copied unchanged. Exact: a flipped image is its column-reversed input. Runs as one
 * `gather` of pixels, whatever the mix of flipped and kept images.
 */
export function flipHorizontal(x: tf.Tensor4D, flip: Uint8Array): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    if (!flip.some((f) => f)) return tf.clone(x);
    const source = new Int32Array(n * h * w);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < h; r++) {
        const row = (i * h + r) * w;
        for (let col = 0; col < w; col++) source[row + col] = row + (flip[i] ? w - 1 - col : col);
      }
    }
    return tf.reshape(tf.gather(tf.reshape(x, [n * h * w, c]), tf.tensor1d(source, 'int32')), [n, h, w, c]) as tf.Tensor4D;
  });
}

/**
 * Applies the flip, then the colour jitter, to `x` `[n, h, w, 3]` float32 in [0, 1]; returns
 * a new tensor in [0, 1] (the caller disposes both).
 */
export function augmentBatch(x: tf.Tensor4D, params: AugmentParams): tf.Tensor4D {
  return tf.tidy(() => colorJitter(flipHorizontal(x, params.flip), params));
}
