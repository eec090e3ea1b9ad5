import * as tf from '@tensorflow/tfjs-core';
import { ATTACK_LOSS_NAMES, attackObjective, oneHot, perImageLoss, perImageLossGradient, targetedDlrLoss, targetedDlrLossGradient } from './objective';
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
    // Small enough for DLR's curvature (a ratio whose denominator can be a fraction of a logit).
    const h = 2e-3;
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

describe('DLR losses (Croce and Hein 2020)', () => {
  const n = 4;
  const k = 6;
  // Logits with every pair at least 0.25 apart, so finite differences never cross a change of order.
  const z = Float32Array.from({ length: n * k }, (_, i) => 0.5 * (((i * 7) % k) - 2.5) + 0.05 * Math.sin(i));
  const labels = Int32Array.from([0, 3, 5, 1]);
  const targets = Int32Array.from([2, 0, 4, 3]);
  const rows = (v: Float32Array) => Array.from({ length: n }, (_, r) => Array.from(v.subarray(r * k, (r + 1) * k)));

  const dlr = (v: Float32Array) => tf.tidy(() => perImageLoss('dlr', tf.tensor2d(v, [n, k]), oneHot(labels, k)).dataSync());
  const targeted = (v: Float32Array) => tf.tidy(() => targetedDlrLoss(tf.tensor2d(v, [n, k]), oneHot(labels, k), oneHot(targets, k)).dataSync());

  it('dlr is -(z_y - max_{j != y} z_j) / (z_pi1 - z_pi3 + 1e-12) of the sorted logits', () => {
    const got = dlr(z);
    rows(z).forEach((row, r) => {
      const sorted = [...row].sort((a, b) => b - a);
      const best = Math.max(...row.filter((_, j) => j !== labels[r]));
      expect(got[r]).toBeCloseTo(-(row[labels[r]] - best) / (sorted[0] - sorted[2] + 1e-12), 5);
    });
  });

  it('targeted dlr is -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12)', () => {
    const got = targeted(z);
    rows(z).forEach((row, r) => {
      const s = [...row].sort((a, b) => b - a);
      expect(got[r]).toBeCloseTo(-(row[labels[r]] - row[targets[r]]) / (s[0] - (s[2] + s[3]) / 2 + 1e-12), 5);
    });
  });

  it('both are unchanged by shifting and positively scaling the logits', () => {
    const moved = z.map((v) => 3.7 * v - 11);
    Array.from(dlr(moved)).forEach((v, r) => expect(v).toBeCloseTo(dlr(z)[r], 4));
    Array.from(targeted(moved)).forEach((v, r) => expect(v).toBeCloseTo(targeted(z)[r], 4));
  });

  it.each([
    ['dlr', dlr, () => perImageLossGradient('dlr', tf.tensor2d(z, [n, k]), oneHot(labels, k))],
    ['targeted dlr', targeted, () => targetedDlrLossGradient(tf.tensor2d(z, [n, k]), oneHot(labels, k), oneHot(targets, k))],
  ] as const)('%s: closed-form logit gradient matches central differences', (_name, loss, gradient) => {
    const grad = tf.tidy(() => gradient().dataSync());
    const h = 1e-2;
    for (let i = 0; i < n * k; i++) {
      const plus = Float32Array.from(z);
      const minus = Float32Array.from(z);
      plus[i] += h;
      minus[i] -= h;
      const row = Math.floor(i / k);
      expect(grad[i]).toBeCloseTo((loss(plus)[row] - loss(minus)[row]) / (2 * h), 3);
    }
  });
});
