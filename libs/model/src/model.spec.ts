import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_MODEL_CONFIG, ModelConfigError, withModelDefaults } from './config';
import { createModel } from './model';
import { testBackend, withBackend } from './testing/backends';

describe(`model (${testBackend()})`, () => {
  const run = (fn: () => void) => withBackend(testBackend(), fn);

  it.each([
    [[32, 64], 60052],
    [[16, 32, 64], 74132],
  ])('parameter count of %j with skip, 20 classes, equals PyTorch (%i)', (featureMaps, expected) =>
    run(() => {
      const m = createModel({ featureMaps, useSkip: true, batchNorm: true }, 20, 0);
      expect(m.numParameters()).toBe(expected);
      const counted = Object.values(m.params).reduce((s, v) => s + v.size, 0);
      expect(counted).toBe(expected);
      m.dispose();
    }),
  );

  it('the same seed gives identical weights; another seed does not', () =>
    run(() => {
      const a = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3, 5).getWeights();
      const b = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3, 5).getWeights();
      const c = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3, 6).getWeights();
      for (const k of Object.keys(a)) expect(Array.from(b[k])).toEqual(Array.from(a[k]));
      expect(Array.from(c['stem.conv.weight'])).not.toEqual(Array.from(a['stem.conv.weight']));
    }));

  it('initialises like PyTorch: weights within 1/sqrt(fan_in), BN gamma 1, beta 0, running var 1', () =>
    run(() => {
      const m = createModel({ featureMaps: [8, 16], imageSize: 8 }, 4, 1);
      const w = m.getWeights();
      const bound = 1 / Math.sqrt(8 * 9);
      expect(Math.max(...Array.from(w['blocks.0.conv1.weight']).map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...Array.from(w['blocks.0.conv1.weight']).map(Math.abs))).toBeGreaterThan(0.9 * bound);
      expect(Array.from(w['stem.bn.weight'])).toEqual(new Array(8).fill(1));
      expect(Array.from(w['stem.bn.bias'])).toEqual(new Array(8).fill(0));
      expect(Array.from(w['stem.bn.running_var'])).toEqual(new Array(8).fill(1));
      m.dispose();
    }));

  it('evaluation mode is deterministic and uses running statistics; predictProba rows sum to 1', () =>
    run(() => {
      const m = createModel({ featureMaps: [4, 8], imageSize: 8, dropRate: 0.5 }, 3, 2);
      const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const a = m.forward(x).dataSync();
      const b = m.forward(x).dataSync();
      expect(Array.from(a)).toEqual(Array.from(b));
      const train = m.forward(x, { training: true, dropoutSeed: 1 }).dataSync();
      expect(Array.from(train)).not.toEqual(Array.from(a));
      const p = m.predictProba(x).arraySync();
      for (const row of p) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      expect(m.predictClasses(x).shape).toEqual([2]);
      tf.dispose(x);
      m.dispose();
    }));

  it('rejects bad configurations with the field name', () => {
    expect(() => withModelDefaults({ featureMaps: [] })).toThrow(/featureMaps/);
    expect(() => withModelDefaults({ featureMaps: [16, 0] })).toThrow(/featureMaps\[1\]/);
    expect(() => withModelDefaults({ dropRate: 1 })).toThrow(/dropRate/);
    expect(() => withModelDefaults({ imageSize: 30, featureMaps: [8, 16, 32] })).toThrow(ModelConfigError);
    expect(() => withModelDefaults({ imageSize: 30, featureMaps: [8, 16, 32] })).toThrow(/imageSize/);
    expect(() => createModel({}, 1)).toThrow(/numClasses/);
    expect(withModelDefaults({})).toEqual(DEFAULT_MODEL_CONFIG);
  });

  it('rejects inputs of the wrong shape', () =>
    run(() => {
      const m = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3);
      const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
      expect(() => m.forward(x)).toThrow(/\[n, 8, 8, 3\]/);
      tf.dispose(x);
      m.dispose();
    }));
});
