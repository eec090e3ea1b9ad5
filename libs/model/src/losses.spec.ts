import * as tf from '@tensorflow/tfjs-core';
import './testing/register_gradients';
import { lossGradient, oneHotTargets, oneVersusAllLoss, probabilities, softmaxCrossEntropy } from './losses';
import { relativeError, withBackend } from './testing/backends';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('losses', () => {
  const run = (fn: () => void) => withBackend('cpu', fn);

  it("OVA equals the notebook's formula for M = 3, y = 2: -log(1 - p1) - log p2 - log(1 - p3)", () =>
    run(() => {
      const h = [0.3, 1.2, -0.7];
      const [p1, p2, p3] = h.map(sigmoid);
      const expected = -Math.log(1 - p1) - Math.log(p2) - Math.log(1 - p3);
      // Class y = 2 of the notebook's 1-based example is index 1.
      const loss = oneVersusAllLoss(tf.tensor2d([h]), oneHotTargets([1], 3)).dataSync()[0];
      expect(loss).toBeCloseTo(expected, 5);
    }));

  it('OVA is a batch mean of per-example sums, and stable for large logits', () =>
    run(() => {
      const logits = tf.tensor2d([
        [0.3, 1.2, -0.7],
        [100, -100, 50],
      ]);
      const targets = oneHotTargets([1, 0], 3);
      // y = 0: softplus(-100) + softplus(-100) + softplus(50)
      const expectedSecond = Math.log1p(Math.exp(-100)) + Math.log1p(Math.exp(-100)) + (50 + Math.log1p(Math.exp(-50)));
      const first = -Math.log(1 - sigmoid(0.3)) - Math.log(sigmoid(1.2)) - Math.log(1 - sigmoid(-0.7));
      const loss = oneVersusAllLoss(logits, targets).dataSync()[0];
      expect(Number.isFinite(loss)).toBe(true);
      expect(loss).toBeCloseTo((first + expectedSecond) / 2, 4);
    }));

  it('cross-entropy with soft labels equals -sum w log softmax', () =>
    run(() => {
      const z = [2, -1, 0.5];
      const w = [0.7, 0, 0.3];
      const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      const expected = -w.reduce((s, wi, i) => s + wi * (z[i] - lse), 0);
      expect(softmaxCrossEntropy(tf.tensor2d([z]), tf.tensor2d([w])).dataSync()[0]).toBeCloseTo(expected, 5);
    }));

  it.each(['cross-entropy', 'ova'] as const)('closed-form logit gradient of %s matches autodiff', (name) =>
    run(() => {
      const logits = tf.tensor2d([
        [0.5, -1, 2, 0],
        [3, 0.1, -0.2, 1],
      ]);
      const targets = tf.tensor2d([
        [0.25, 0, 0.75, 0],
        [0, 1, 0, 0],
      ]);
      const f = (z: tf.Tensor) => (name === 'ova' ? oneVersusAllLoss(z as tf.Tensor2D, targets) : softmaxCrossEntropy(z as tf.Tensor2D, targets));
      const auto = tf.grad(f)(logits).dataSync();
      expect(relativeError(lossGradient(name, logits, targets).dataSync(), auto)).toBeLessThan(1e-5);
    }));

  it('probabilities: softmax rows sum to 1; OVA sigmoids lie in (0, 1)', () =>
    run(() => {
      const logits = tf.tensor2d([[1, 2, 3]]);
      const soft = probabilities('cross-entropy', logits).dataSync();
      expect(soft[0] + soft[1] + soft[2]).toBeCloseTo(1, 6);
      const sig = Array.from(probabilities('ova', logits).dataSync());
      expect(sig).toEqual([1, 2, 3].map(sigmoid).map((v) => expect.closeTo(v, 6)));
    }));
});
