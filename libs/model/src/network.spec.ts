import * as tf from '@tensorflow/tfjs-core';
import './testing/register_gradients';
import { ModelConfig } from './config';
import { inputGradient, lossAndGradients } from './gradients';
import { oneHotTargets, softmaxCrossEntropy } from './losses';
import { createModel, Model } from './model';
import { BN_EPS } from './network';
import { dropoutMask } from './ops/dropout';
import { Rng } from './random';
import { relativeError, testBackend, withBackend } from './testing/backends';

/**
 * The whole network's hand-written backward pass against TensorFlow.js's own autodiff of a
 * straightforward reference forward pass (tf.conv2d with bias, tf.moments, tf.maxPool,
 * conv2d stride 2), on the cpu backend where every gradient kernel exists.
 */
function referenceLogits(model: Model, params: Record<string, tf.Tensor>, x: tf.Tensor4D, training: boolean, dropoutSeed: number): tf.Tensor2D {
  const L = model.layout;
  const unit = (u: typeof L.stem, input: tf.Tensor4D): tf.Tensor4D => {
    const a = tf.add(tf.conv2d(input, params[u.weight] as tf.Tensor4D, 1, 'same'), params[u.bias]) as tf.Tensor4D;
    if (!u.bn) return tf.relu(a);
    const gamma = params[u.bn.gamma] as tf.Tensor1D;
    const beta = params[u.bn.beta] as tf.Tensor1D;
    if (training) {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.relu(tf.batchNorm(a, mean as tf.Tensor1D, variance as tf.Tensor1D, beta, gamma, BN_EPS));
    }
    return tf.relu(tf.batchNorm(a, model.bnState[u.bn.runningMean] as tf.Tensor1D, model.bnState[u.bn.runningVar] as tf.Tensor1D, beta, gamma, BN_EPS));
  };
  let act = unit(L.stem, tf.div(tf.sub(x, 0.5), 0.5) as tf.Tensor4D);
  L.blocks.forEach((bl, i) => {
    const pooled: tf.Tensor4D = tf.maxPool(unit(bl.conv2, unit(bl.conv1, act)), 2, 2, 'valid');
    let out = training && L.dropRate > 0 ? (tf.mul(pooled, dropoutMask(pooled.shape, L.dropRate, dropoutSeed, i, Int32Array.from({ length: x.shape[0] }, (_, k) => k))) as tf.Tensor4D) : pooled;
    if (bl.skip?.kind === 'conv') out = tf.add(out, tf.add(tf.conv2d(act, params[bl.skip.weight] as tf.Tensor4D, 2, 'valid'), params[bl.skip.bias])) as tf.Tensor4D;
    if (bl.skip?.kind === 'pool') out = tf.add(out, tf.maxPool(act, 2, 2, 'valid')) as tf.Tensor4D;
    act = out;
  });
  return tf.add(tf.matMul(tf.mean(act, [1, 2]) as tf.Tensor2D, params[L.head.weight] as tf.Tensor2D), params[L.head.bias]) as tf.Tensor2D;
}

const CONFIGS: [string, Partial<ModelConfig>][] = [
  ['[4,6] BN, dropout, conv skip', { featureMaps: [4, 6], dropRate: 0.3, batchNorm: true, useSkip: true, imageSize: 8 }],
  ['[4,4,6] BN, pool skip then conv skip', { featureMaps: [4, 4, 6], dropRate: 0.2, batchNorm: true, useSkip: true, imageSize: 8 }],
  ['[3,5] no BN, no dropout, no skip', { featureMaps: [3, 5], dropRate: 0, batchNorm: false, useSkip: false, imageSize: 8 }],
];

function batch(n: number, size: number, classes: number, seed: number): { x: tf.Tensor4D; y: Int32Array } {
  const rng = new Rng(seed);
  const x = tf.tensor4d(Float32Array.from({ length: n * size * size * 3 }, () => rng.uniform()), [n, size, size, 3]);
  return { x, y: Int32Array.from({ length: n }, () => rng.int(classes)) };
}

describe('network gradients vs TensorFlow.js autodiff (cpu)', () => {
  it.each(CONFIGS)('parameter gradients, training mode: %s', (_name, config) =>
    withBackend('cpu', () => {
      const model = createModel(config, 5, 7);
      const { x, y } = batch(4, 8, 5, 11);
      const targets = oneHotTargets(y, 5);
      const mine = lossAndGradients(model, x, targets, { loss: 'cross-entropy', dropoutSeed: 99 });
      const names = Object.keys(model.params);
      const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(referenceLogits(model, model.params, x, true, 99), targets), names.map((n) => model.params[n]));
      expect(Math.abs(mine.loss.dataSync()[0] - value.dataSync()[0])).toBeLessThan(1e-5);
      for (const name of names) {
        const ref = grads[model.params[name].name].dataSync();
        const got = mine.grads[name].dataSync();
        // BN cancels the conv bias: its true gradient is 0, autodiff gives rounding noise.
        const floor = name.endsWith('.bias') && !name.includes('bn') && !name.startsWith('head') && !name.includes('skip') && config.batchNorm ? 1e-3 : 1e-6;
        const err = relativeError(got, ref, floor);
        expect({ name, ok: err < 2e-3, err }).toMatchObject({ name, ok: true });
      }
      tf.dispose([x, targets, value, mine as unknown as tf.TensorContainer, grads as unknown as tf.TensorContainer]);
      model.dispose();
    }),
  );

  it.each(CONFIGS)('input gradient, evaluation mode: %s', (_name, config) =>
    withBackend('cpu', () => {
      const model = createModel(config, 5, 3);
      // Non-trivial running statistics.
      const stats = Object.fromEntries(Object.keys(model.bnState).map((k, i) => [k, Float32Array.from({ length: model.bnState[k].size }, (_, j) => (k.endsWith('var') ? 0.5 + 0.1 * ((i + j) % 5) : 0.05 * (j - 2)))]));
      model.setWeights(stats);
      const { x, y } = batch(3, 8, 5, 5);
      const targets = oneHotTargets(y, 5);
      const mine = inputGradient(model, x, { loss: 'cross-entropy', targets });
      const ref = tf.grad((xi: tf.Tensor) => softmaxCrossEntropy(referenceLogits(model, model.params, xi as tf.Tensor4D, false, 0), targets))(x);
      expect(relativeError(mine.grad.dataSync(), ref.dataSync())).toBeLessThan(2e-3);
      expect(relativeError(mine.logits.dataSync(), model.forward(x).dataSync())).toBeLessThan(1e-5);
      tf.dispose([x, targets, ref, mine.grad, mine.value, mine.logits]);
      model.dispose();
    }),
  );

  it('the wasm backend computes the same gradients as cpu', async () => {
    const config = CONFIGS[1][1];
    const run = () => {
      const model = createModel(config, 5, 7);
      const { x, y } = batch(4, 8, 5, 11);
      const targets = oneHotTargets(y, 5);
      const r = lossAndGradients(model, x, targets, { loss: 'ova', dropoutSeed: 3 });
      const g = inputGradient(model, x, { loss: 'ova', targets });
      const out: Record<string, ArrayLike<number>> = { ...Object.fromEntries(Object.entries(r.grads).map(([k, t]) => [k, t.dataSync()])), input: g.grad.dataSync() };
      tf.dispose([x, targets, r as unknown as tf.TensorContainer, g as unknown as tf.TensorContainer]);
      model.dispose();
      return out;
    };
    const cpu = await withBackend('cpu', run);
    const wasm = await withBackend('wasm', run);
    for (const name of Object.keys(cpu)) {
      const err = relativeError(wasm[name], cpu[name], 1e-4);
      expect({ name, ok: err < 1e-3, err }).toMatchObject({ name, ok: true });
    }
  });

  it(`input gradients do not leak tensors (${testBackend()})`, () =>
    withBackend(testBackend(), () => {
      const model = createModel(CONFIGS[0][1], 5, 1);
      const { x, y } = batch(2, 8, 5, 1);
      const targets = oneHotTargets(y, 5);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const g = inputGradient(model, x, { loss: 'cross-entropy', targets });
        tf.dispose([g.grad, g.value, g.logits]);
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, targets]);
      model.dispose();
    }));
});
