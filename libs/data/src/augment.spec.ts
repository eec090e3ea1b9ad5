import * as tf from '@tensorflow/tfjs-core';
import { augmentBatch, flipHorizontal, sampleAugmentParams } from './augment';
import { ColorJitterParams, colorJitter } from './color-jitter';
import { createRng } from './random';
import { useCpuBackend } from './testing';

/** torchvision's functional ops on one HWC float image, written out by hand. */
const reference = {
  grey: (img: Float32Array, p: number): number => 0.2989 * img[3 * p] + 0.587 * img[3 * p + 1] + 0.114 * img[3 * p + 2],
  blend: (img: Float32Array, f: number, target: (p: number) => number): Float32Array =>
    img.map((v, i) => Math.min(1, Math.max(0, f * v + (1 - f) * target(Math.floor(i / 3))))),
  brightness(img: Float32Array, f: number): Float32Array {
    return this.blend(img, f, () => 0);
  },
  contrast(img: Float32Array, f: number): Float32Array {
    let mean = 0;
    for (let p = 0; p < img.length / 3; p++) mean += this.grey(img, p);
    mean /= img.length / 3;
    return this.blend(img, f, () => mean);
  },
  saturation(img: Float32Array, f: number): Float32Array {
    return this.blend(img, f, (p) => this.grey(img, p));
  },
};

function randomImages(n: number, h: number, w: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * h * w * 3 }, () => rng.next());
}

describe('augmentation', () => {
  beforeAll(useCpuBackend);

  it('mirrors exactly the images chosen for flipping and leaves the others untouched', () => {
    const data = randomImages(3, 5, 7, 1);
    const x = tf.tensor4d(data, [3, 5, 7, 3]);
    const before = tf.memory().numTensors;
    const y = flipHorizontal(x, Uint8Array.from([1, 0, 1]));
    expect(tf.memory().numTensors).toBe(before + 1);
    const out = y.arraySync();
    const src = x.arraySync();
    for (const i of [0, 2]) for (let r = 0; r < 5; r++) for (let c = 0; c < 7; c++) expect(out[i][r][c]).toEqual(src[i][r][6 - c]);
    expect(out[1]).toEqual(src[1]);
    tf.dispose([x, y]);
  });

  it('matches torchvision brightness, contrast and saturation, per image and in each image order', () => {
    const n = 4;
    const data = randomImages(n, 3, 5, 2);
    const x = tf.tensor4d(data, [n, 3, 5, 3]);
    const params: ColorJitterParams = {
      brightness: Float32Array.from([1.2, 0.8, 1.0, 1.15]),
      contrast: Float32Array.from([0.85, 1.2, 1.1, 1.0]),
      saturation: Float32Array.from([1.1, 0.9, 0.8, 1.2]),
      order: Uint8Array.from([0, 1, 2, 2, 1, 0, 1, 0, 2, 2, 0, 1]),
    };
    const y = colorJitter(x, params);
    const got = y.dataSync();
    const ops = ['brightness', 'contrast', 'saturation'] as const;
    for (let i = 0; i < n; i++) {
      let img: Float32Array = data.slice(i * 45, (i + 1) * 45);
      for (let s = 0; s < 3; s++) {
        const op = ops[params.order[3 * i + s]];
        img = reference[op](img, params[op][i]);
      }
      const mine = got.slice(i * 45, (i + 1) * 45);
      for (let k = 0; k < 45; k++) expect(mine[k]).toBeCloseTo(img[k], 5);
    }
    tf.dispose([x, y]);
  });

  it('keeps pixels in [0, 1] even with strong jitter, and leaks no tensors', () => {
    const x = tf.tensor4d(randomImages(16, 8, 8, 3), [16, 8, 8, 3]);
    const before = tf.memory().numTensors;
    const params = sampleAugmentParams(16, { brightness: 0.9, contrast: 0.9, saturation: 0.9 }, createRng(4));
    const y = augmentBatch(x, params);
    const v = y.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, y]);
  });

  it('draws factors in [1-s, 1+s], flips about half, and random op orders', () => {
    const p = sampleAugmentParams(2000, {}, createRng(5));
    for (const f of [p.brightness, p.contrast, p.saturation]) {
      expect(Math.min(...f)).toBeGreaterThanOrEqual(0.8);
      expect(Math.max(...f)).toBeLessThanOrEqual(1.2);
    }
    const flips = p.flip.reduce((a, b) => a + b, 0);
    expect(flips).toBeGreaterThan(900);
    expect(flips).toBeLessThan(1100);
    const orders = new Set(Array.from({ length: 2000 }, (_, i) => p.order.slice(3 * i, 3 * i + 3).join('')));
    expect(orders.size).toBe(6);
    expect(sampleAugmentParams(2000, {}, createRng(5))).toEqual(p);
  });

  it('is the identity with no flip and zero strengths', () => {
    const x = tf.tensor4d(randomImages(2, 4, 4, 6), [2, 4, 4, 3]);
    const y = augmentBatch(x, sampleAugmentParams(2, { flipProbability: 0, brightness: 0, contrast: 0, saturation: 0 }, createRng(1)));
    expect(y.dataSync()).toEqual(x.dataSync());
    tf.dispose([x, y]);
  });
});
