import * as tf from '@tensorflow/tfjs-core';
import { ATTACK_LOSS_NAMES, attackObjective, oneHot, perImageLoss, perImageLossGradient } from './objective';
import { uniformArray, useTestBackend } from './testing';

beforeAll(useTestBackend);

describe('attack losses', () => {
  const n = 4;
  const k = 5;
  const z = uniformArray(n * k, 21, -3, 3);
  const labels = Int32Array.from([0, 3, 4, 1]);

  const lossAt = (name: (typeof ATTACK_LOSS_NAMES)[number], values: Float32Array) =>
    tf.tidy(() => perImageLoss(name, tf.tensor2d(values, [n, k]), oneHot(labels, k)).dataSync());

  it.each(ATTACK_LOSS_NAMES)('%s: closed-form logit gradient matches central differences', (name) => {
    const grad = tf.tidy(() => perImageLossGradient(name, tf.tensor2d(z, [n, k]), oneHot(labels, k)).dataSync());
    const h = 1e-2;
    for (let i = 0; i < n * k; i++) {
      const plus = Float32Array.from(z);
      const minus = Float32Array.from(z);
      plus[i] += h;
      minus[i] -= h;
      const row = Math.floor(i / k);
      const fd = (lossAt(name, plus)[row] - lossAt(name, minus)[row]) / (2 * h);
      expect(grad[i]).toBeCloseTo(fd, 2);
    }
  });

  it('cross-entropy is -log softmax of the labelled class, margin the best other logit minus it', () => {
    const ce = lossAt('cross-entropy', z);
    const margin = lossAt('margin', z);
    for (let r = 0; r < n; r++) {
      const row = Array.from(z.subarray(r * k, (r + 1) * k));
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      expect(ce[r]).toBeCloseTo(lse - row[labels[r]], 4);
      expect(margin[r]).toBeCloseTo(Math.max(...row.filter((_, j) => j !== labels[r])) - row[labels[r]], 5);
    }
  });

  it('the targeted objective is minus the target loss, with minus its gradient', () => {
    const { value, dlogits } = tf.tidy(() => {
      const out = attackObjective('cross-entropy', oneHot(labels, k), true)(tf.tensor2d(z, [n, k]));
      return { value: out.value.dataSync()[0], dlogits: out.dlogits.dataSync() };
    });
    const loss = lossAt('cross-entropy', z);
    expect(value).toBeCloseTo(-Array.from(loss).reduce((a, b) => a + b, 0), 4);
    const grad = tf.tidy(() => perImageLossGradient('cross-entropy', tf.tensor2d(z, [n, k]), oneHot(labels, k)).dataSync());
    dlogits.forEach((g, i) => expect(g).toBeCloseTo(-grad[i], 6));
  });
});
