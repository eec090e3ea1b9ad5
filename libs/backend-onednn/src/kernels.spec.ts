import * as tf from '@tensorflow/tfjs-core';
import {
  Adam,
  batchNormReluTrain,
  batchNormReluTrainBackward,
  batchNormTrain,
  batchNormTrainBackward,
  dropoutMask,
  lossWithGradient,
  reluBackward,
} from '@advlab/model';
import { normalArray, onBoth, scaledError, useOnednn } from './testing';

/**
 * Every native kernel against tfjs's cpu backend on random inputs with the network's channel
 * counts (batch 2 and 16x16 images instead of 32 and 64x64: the pure-JS reference convolution
 * is slow). Errors are max-norm, relative to
 * the reference's largest magnitude; tolerances are stated per group.
 */
beforeAll(useOnednn);

type Shape4 = [number, number, number, number];
const t4 = (shape: Shape4, seed: number, scale = 1) => tf.tensor4d(normalArray(shape.reduce((a, b) => a * b), seed, scale), shape);

// Float32 convolutions sum up to 9 * 64 products in a different order: 1e-5 of the scale.
const CONV_TOL = 1e-5;

describe('convolutions (oneDNN) vs the cpu backend', () => {
  // [input, filter, stride, pad]: the stem, the blocks of [32,64] and [16,32,64], the skip conv.
  const CASES: [string, Shape4, Shape4, number, 'same' | 'valid'][] = [
    ['stem 3->32', [2, 16, 16, 3], [3, 3, 3, 32], 1, 'same'],
    ['block conv1 32->64', [2, 8, 8, 32], [3, 3, 32, 64], 1, 'same'],
    ['block conv2 64->64', [2, 8, 8, 64], [3, 3, 64, 64], 1, 'same'],
    ['[16,32,64] conv 16->32', [2, 16, 16, 16], [3, 3, 16, 32], 1, 'same'],
    ['skip 1x1 stride 2, 32->64', [2, 16, 16, 32], [1, 1, 32, 64], 2, 'valid'],
    ['odd sizes, stride 2 same', [3, 9, 7, 5], [3, 3, 5, 4], 2, 'same'],
  ];

  it.each(CASES)('Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter: %s', async (_name, xs, ws, stride, pad) => {
    const { onednn, cpu } = await onBoth(() => {
      const x = t4(xs, 1);
      const w = t4(ws, 2, 0.1);
      const y = tf.conv2d(x, w, stride, pad);
      const dy = t4(y.shape, 3);
      const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { strides: stride, pad, dataFormat: 'NHWC', inputShape: xs }) as tf.Tensor;
      const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: stride, pad, dataFormat: 'NHWC', filterShape: ws }) as tf.Tensor;
      return [y, dx, dw];
    });
    ['y', 'dx', 'dw'].forEach((what, i) => expect({ what, ok: scaledError(onednn[i], cpu[i]) < CONV_TOL }).toEqual({ what, ok: true }));
  });

  it.each(['linear', 'relu'] as const)('FusedConv2D with bias and %s activation', async (activation) => {
    const { onednn, cpu } = await onBoth(() =>
      tf.fused.conv2d({ x: t4([2, 16, 16, 32], 4), filter: t4([3, 3, 32, 64], 5, 0.1), strides: 1, pad: 'same', bias: tf.tensor1d(normalArray(64, 6)), activation }),
    );
    expect(scaledError(onednn[0], cpu[0])).toBeLessThan(CONV_TOL);
  });
});

describe('pooling vs the cpu backend (exact)', () => {
  it.each([
    ['2x2 stride 2 (the network)', [2, 32, 32, 64] as Shape4, 2, 2, 'valid' as const],
    ['3x3 stride 1 same (the generic path)', [2, 9, 7, 5] as Shape4, 3, 1, 'same' as const],
    ['1x1 stride 2 (subsampling)', [2, 8, 8, 3] as Shape4, 1, 2, 'valid' as const],
  ])('MaxPool and MaxPoolGrad, %s', async (_name, shape, size, stride, pad) => {
    const { onednn, cpu } = await onBoth(() => {
      const x = t4(shape, 7);
      const y = tf.maxPool(x, size, stride, pad);
      const dy = t4(y.shape, 8);
      const dx = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, { filterSize: size, strides: stride, pad }) as tf.Tensor;
      return [y, dx];
    });
    expect(Array.from(onednn[0])).toEqual(Array.from(cpu[0]));
    expect(scaledError(onednn[1], cpu[1])).toBeLessThan(1e-6);
  });
});

describe('element-wise kernels vs the cpu backend', () => {
  const SHAPES: [string, number[], number[]][] = [
    ['same shape', [2, 8, 8, 16], [2, 8, 8, 16]],
    ['per channel', [2, 8, 8, 16], [16]],
    ['per image and channel', [2, 8, 8, 16], [2, 1, 1, 16]],
    ['per pixel', [2, 8, 8, 16], [1, 8, 8, 1]],
    ['scalar', [2, 8, 8, 16], []],
    ['scalar first', [], [2, 8, 8, 16]],
    ['both broadcast', [2, 1, 8, 1], [1, 8, 1, 16]],
  ];
  const OPS: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
    ['maximum', tf.maximum],
    ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
  ];
  // One float32 rounding per element: equal to the cpu kernel up to its last bit.
  it.each(SHAPES)('binary ops, %s', async (_name, as, bs) => {
    const { onednn, cpu } = await onBoth(() => {
      const a = tf.tensor(normalArray(as.reduce((p, q) => p * q, 1), 9), as);
      const b = tf.tensor(normalArray(bs.reduce((p, q) => p * q, 1), 10), bs);
      return OPS.map(([, op]) => op(a, b));
    });
    OPS.forEach(([name], i) => expect({ name, err: scaledError(onednn[i], cpu[i]) < 1e-6 }).toEqual({ name, err: true }));
  });

  it('unary ops', async () => {
    const { onednn, cpu } = await onBoth(() => {
      const x = tf.tensor(normalArray(4096, 11), [4, 32, 32]);
      const positive = tf.abs(x);
      return [tf.relu(x), tf.sign(x), tf.step(x), tf.step(x, 0.3), tf.neg(x), tf.abs(x), tf.square(x), tf.sqrt(positive), tf.rsqrt(tf.add(positive, 0.1)), tf.exp(x), tf.log(tf.add(positive, 0.1)), tf.clipByValue(x, -0.5, 0.7)];
    });
    // exp, log, sqrt: libm vs V8 may differ in the last bit.
    onednn.forEach((v, i) => expect({ i, ok: scaledError(v, cpu[i]) < 1e-6 }).toEqual({ i, ok: true }));
  });

  it('integer inputs fall back to the cpu kernels', async () => {
    const { onednn, cpu } = await onBoth(() => [tf.cast(tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([4, 5, 6], 'int32')), 'float32')]);
    expect(Array.from(onednn[0])).toEqual([5, 7, 9]);
    expect(Array.from(cpu[0])).toEqual([5, 7, 9]);
  });
});

describe('reductions vs the cpu backend', () => {
  const AXES: [string, number[], boolean][] = [
    ['per channel over N, H, W', [0, 1, 2], false],
    ['global average pooling over H, W', [1, 2], false],
    ['per image, keepDims', [1, 2, 3], true],
    ['last axis', [3], false],
    ['first axis', [0], true],
    ['everything', [0, 1, 2, 3], false],
    ['non-contiguous axes (cpu fallback)', [0, 2], false],
  ];
  // Sums of up to 131072 float32 values, accumulated in double natively and in float by tfjs.
  it.each(AXES)('sum, mean, max, min: %s', async (_name, axes, keepDims) => {
    const { onednn, cpu } = await onBoth(() => {
      const x = t4([4, 16, 16, 16], 12);
      return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims), tf.max(x, axes, keepDims), tf.min(x, axes, keepDims)];
    });
    expect(scaledError(onednn[0], cpu[0], 1)).toBeLessThan(1e-5);
    expect(scaledError(onednn[1], cpu[1], 1e-2)).toBeLessThan(1e-5);
    expect(Array.from(onednn[2])).toEqual(Array.from(cpu[2]));
    expect(Array.from(onednn[3])).toEqual(Array.from(cpu[3]));
  });
});

describe('matMul (sgemm) vs the cpu backend', () => {
  it.each([
    ['features x head', [32, 64], [64, 20], false, false],
    ['dlogits x head^T', [32, 20], [64, 20], false, true],
    ['features^T x dlogits', [32, 64], [32, 20], true, false],
    ['both transposed', [64, 32], [20, 64], true, true],
  ] as [string, number[], number[], boolean, boolean][])('%s', async (_name, as, bs, ta, tb) => {
    const { onednn, cpu } = await onBoth(() => tf.matMul(tf.tensor2d(normalArray(as[0] * as[1], 13), as as [number, number]), tf.tensor2d(normalArray(bs[0] * bs[1], 14), bs as [number, number]), ta, tb));
    expect(scaledError(onednn[0], cpu[0])).toBeLessThan(1e-5);
  });

  it('batched, and a batch of one broadcast', async () => {
    const { onednn, cpu } = await onBoth(() => {
      const a = tf.tensor3d(normalArray(3 * 5 * 7, 15), [3, 5, 7]);
      return [tf.matMul(a, tf.tensor3d(normalArray(3 * 7 * 4, 16), [3, 7, 4])), tf.matMul(a, tf.tensor3d(normalArray(7 * 4, 17), [1, 7, 4]))];
    });
    onednn.forEach((v, i) => expect(scaledError(v, cpu[i])).toBeLessThan(1e-5));
  });
});

describe("advlab's fused kernels vs libs/model's tfjs-core composition on cpu", () => {
  // Statistics in double natively, E[x^2] - E[x]^2 in float by the reference: 1e-4 of the scale.
  const BN_TOL = 1e-4;

  it.each([
    ['[2,32,32,32]', [2, 32, 32, 32] as Shape4],
    ['[2,16,16,64]', [2, 16, 16, 64] as Shape4],
  ])('AdvlabBatchNormTrain and AdvlabBatchNormTrainGrad with and without ReLU, %s', async (_name, shape) => {
    const c = shape[3];
    const { onednn, cpu } = await onBoth(() => {
      // A non-zero mean per channel, as after a convolution with bias.
      const a = tf.add(t4(shape, 18, 2), tf.tensor1d(normalArray(c, 19, 3))) as tf.Tensor4D;
      const gamma = tf.tensor1d(normalArray(c, 20, 0.5).map((v) => v + 1));
      const beta = tf.tensor1d(normalArray(c, 21, 0.2));
      const dh = t4(shape, 22);
      const plain = batchNormTrain(a, gamma, beta, 1e-5);
      const gPlain = batchNormTrainBackward(dh, plain.cache);
      const fused = batchNormReluTrain(a, gamma, beta, 1e-5);
      const gFused = batchNormReluTrainBackward(dh, fused.h, fused.cache);
      return [plain.z, plain.stats.mean, plain.cache.invStd, plain.stats.unbiasedVar, gPlain.da, gPlain.dgamma, gPlain.dbeta, fused.h, gFused.da, gFused.dgamma, gFused.dbeta];
    });
    const names = ['z', 'mean', 'invStd', 'unbiasedVar', 'da', 'dgamma', 'dbeta', 'h', 'da (relu)', 'dgamma (relu)', 'dbeta (relu)'];
    names.forEach((name, i) => expect({ name, ok: scaledError(onednn[i], cpu[i]) < BN_TOL, err: scaledError(onednn[i], cpu[i]) }).toMatchObject({ name, ok: true }));
  });

  it('AdvlabReluGrad (exact)', async () => {
    const { onednn, cpu } = await onBoth(() => reluBackward(t4([2, 16, 16, 64], 23), tf.relu(t4([2, 16, 16, 64], 24))));
    expect(scaledError(onednn[0], cpu[0])).toBe(0);
  });

  it('AdvlabDropoutMask draws the same mask bit for bit', async () => {
    const { onednn, cpu } = await onBoth(() => [dropoutMask([4, 16, 16, 64], 0.2, 4000000000, 1, [7, 8, 9, 10]), dropoutMask([3, 4, 4, 8], 0.5, 12, 0, [0, 1, 2])]);
    onednn.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(cpu[i])));
    const dropped = onednn[0].filter((v) => v === 0).length / onednn[0].length;
    expect(Math.abs(dropped - 0.2)).toBeLessThan(0.01);
  });

  it('AdvlabSoftmaxCrossEntropy: loss and logits gradient, hard and soft targets', async () => {
    const { onednn, cpu } = await onBoth(() => {
      const logits = tf.tensor2d(normalArray(32 * 20, 25, 3), [32, 20]);
      const soft = tf.softmax(tf.tensor2d(normalArray(32 * 20, 26), [32, 20])) as tf.Tensor2D;
      const hard = tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 20), 'int32'), 20), 'float32') as tf.Tensor2D;
      const a = lossWithGradient('cross-entropy', logits, soft);
      const b = lossWithGradient('cross-entropy', logits, hard);
      return [a.loss, a.dlogits, b.loss, b.dlogits];
    });
    onednn.forEach((v, i) => expect(scaledError(v, cpu[i])).toBeLessThan(1e-5));
  });

  it('AdvlabAdam: three steps of Adam and of AdamW', async () => {
    const { onednn, cpu } = await onBoth(() => {
      const out: tf.Tensor[] = [];
      for (const weightDecay of [0, 0.01]) {
        const p = tf.variable(tf.tensor2d(normalArray(64 * 20, 27), [64, 20]));
        const adam = new Adam({ weightDecay });
        for (let s = 0; s < 3; s++) adam.step({ p }, { p: tf.tensor2d(normalArray(64 * 20, 28 + s, 0.1), [64, 20]) }, 1e-2);
        out.push(tf.clone(p));
        adam.dispose();
        p.dispose();
      }
      return out;
    });
    onednn.forEach((v, i) => expect(scaledError(v, cpu[i])).toBeLessThan(1e-6));
  });
});
