import * as tf from '@tensorflow/tfjs-core';
import { oneHotTargets } from './losses';
import { cutmix, mixup, sampleCutBox } from './mixup';
import { Rng } from './random';
import { withBackend } from './testing/backends';

function images(n: number, size: number): tf.Tensor4D {
  // Image i is filled with the value i / n, so every pixel tells where it came from.
  const v = new Float32Array(n * size * size * 3);
  for (let i = 0; i < n; i++) v.fill(i / n, i * size * size * 3, (i + 1) * size * size * 3);
  return tf.tensor4d(v, [n, size, size, 3]);
}

describe('Mixup and CutMix', () => {
  const run = (fn: () => void) => withBackend('cpu', fn);

  it('Mixup: label weights sum to 1 and images blend with the same lambda', () =>
    run(() => {
      const n = 8;
      const x = images(n, 4);
      const labels = [0, 1, 2, 3, 0, 1, 2, 3];
      const out = mixup(x, oneHotTargets(labels, 4), 0.4, new Rng(3));
      const t = out.targets.arraySync();
      const px = out.x.arraySync();
      for (let i = 0; i < n; i++) {
        expect(t[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        const j = out.permutation[i];
        expect(px[i][1][2][0]).toBeCloseTo(out.lambda * (i / n) + (1 - out.lambda) * (j / n), 5);
        if (labels[i] !== labels[j]) expect(t[i][labels[i]]).toBeCloseTo(out.lambda, 5);
      }
      expect(out.lambda).toBeGreaterThanOrEqual(0);
      expect(out.lambda).toBeLessThanOrEqual(1);
    }));

  it('CutMix: the pasted area equals 1 - lambda exactly, and label weights sum to 1', () =>
    run(() => {
      const n = 6;
      const size = 16;
      for (let seed = 0; seed < 20; seed++) {
        const x = images(n, size);
        const out = cutmix(x, oneHotTargets([0, 1, 2, 0, 1, 2], 3), 1.0, new Rng(seed));
        const px = out.x.arraySync();
        const t = out.targets.arraySync();
        for (let i = 0; i < n; i++) {
          const j = out.permutation[i];
          let pasted = 0;
          for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) if (i !== j && Math.abs(px[i][r][c][1] - j / n) < 1e-6) pasted++;
          if (i !== j) expect(pasted / (size * size)).toBeCloseTo(1 - out.lambda, 10);
          expect(t[i].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        }
        tf.dispose([x, out.x, out.targets]);
      }
    }));

  it('CutMix box: side ratio sqrt(1 - lambda) when it fits, always inside the image', () => {
    const rng = new Rng(9);
    for (let k = 0; k < 200; k++) {
      const lambda = rng.uniform();
      const b = sampleCutBox(32, 24, lambda, rng);
      expect(b.y0).toBeGreaterThanOrEqual(0);
      expect(b.x0).toBeGreaterThanOrEqual(0);
      expect(b.y1).toBeLessThanOrEqual(32);
      expect(b.x1).toBeLessThanOrEqual(24);
      expect(b.y1 - b.y0).toBeLessThanOrEqual(Math.floor(32 * Math.sqrt(1 - lambda)));
    }
  });

  it('the same seed gives the same mix', () =>
    run(() => {
      const x = images(4, 8);
      const a = cutmix(x, oneHotTargets([0, 1, 0, 1], 2), 0.4, new Rng(5));
      const b = cutmix(x, oneHotTargets([0, 1, 0, 1], 2), 0.4, new Rng(5));
      expect(a.lambda).toBe(b.lambda);
      expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
    }));
});
