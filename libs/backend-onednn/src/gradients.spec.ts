import * as tf from '@tensorflow/tfjs-core';
import { createModel, inputGradient, lossAndGradients, Model, oneHotTargets, Rng } from '@advlab/model';
import { useOnednn } from './testing';

/**
 * The whole network's gradients on the onednn backend against central finite differences of
 * its own loss: for every parameter tensor, the directional derivative along the computed
 * gradient's own direction `v = g / |g|`, `(L(p + h v) - L(p - h v)) / 2h`, must equal `|g|`
 * (it does only if `g` is right in direction and size; along `g` the signal is largest next to
 * the ReLU and max-pool kinks that the steps cross). In training mode (batch statistics,
 * dropout with a fixed seed) and for the input in evaluation mode (what attacks use).
 */
beforeAll(useOnednn);

const H = 3e-3;
// Float32 losses (about 1e-7 relative) over 2h, and kinks crossed within h: measured below 1%.
const TOL = 3e-2;

function setup(seed: number): { model: Model; x: tf.Tensor4D; targets: tf.Tensor2D } {
  const model = createModel({ featureMaps: [6, 8], imageSize: 16, dropRate: 0.2 }, 4, seed);
  const rng = new Rng(seed, 1);
  const x = tf.tensor4d(Float32Array.from({ length: 4 * 16 * 16 * 3 }, () => rng.uniform()), [4, 16, 16, 3]);
  const targets = oneHotTargets(Int32Array.from({ length: 4 }, () => rng.int(4)), 4);
  return { model, x, targets };
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

describe('network gradients on onednn vs finite differences', () => {
  it('every parameter, training mode with BN and dropout', () => {
    const { model, x, targets } = setup(5);
    const loss = () => tf.tidy(() => lossAndGradients(model, x, targets, { loss: 'cross-entropy', dropoutSeed: 17 }).loss.dataSync()[0]);
    const r = lossAndGradients(model, x, targets, { loss: 'cross-entropy', dropoutSeed: 17 });
    const weights = model.getWeights();
    for (const name of Object.keys(model.params)) {
      const p = Float32Array.from(weights[name]);
      const g = r.grads[name].dataSync();
      const size = norm(g);
      if (name.endsWith('conv.bias') || /conv\d\.bias$/.test(name)) {
        // A conv bias before BN cancels: its gradient is zero.
        expect({ name, size }).toEqual({ name, size: 0 });
        continue;
      }
      model.setWeights({ [name]: p.map((e, i) => e + (H * g[i]) / size) });
      const up = loss();
      model.setWeights({ [name]: p.map((e, i) => e - (H * g[i]) / size) });
      const down = loss();
      model.setWeights({ [name]: p });
      const numeric = (up - down) / (2 * H);
      expect({ name, ok: Math.abs(numeric - size) / size < TOL, numeric, size }).toMatchObject({ name, ok: true });
    }
    tf.dispose([x, targets, r.loss, r.logits, ...Object.values(r.grads), ...Object.values(r.batchStats).flatMap((s) => [s.mean, s.unbiasedVar])]);
    model.dispose();
  });

  it('the input, evaluation mode', () => {
    const { model, x, targets } = setup(6);
    const g = inputGradient(model, x, { loss: 'cross-entropy', targets });
    const px = Float32Array.from(x.dataSync());
    const grad = g.grad.dataSync();
    const size = norm(grad);
    const lossAt = (values: Float32Array) => tf.tidy(() => inputGradient(model, tf.tensor4d(values, x.shape), { loss: 'cross-entropy', targets }).value.dataSync()[0]);
    const numeric = (lossAt(px.map((e, i) => e + (H * grad[i]) / size)) - lossAt(px.map((e, i) => e - (H * grad[i]) / size))) / (2 * H);
    expect(Math.abs(numeric - size) / size).toBeLessThan(TOL);
    tf.dispose([x, targets, g.grad, g.value, g.logits]);
    model.dispose();
  });
});
