import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random';
import { relativeError, withBackend } from '../testing/backends';
import { batchNormTrain, batchNormTrainBackward } from './batch_norm';
import { conv3x3, conv3x3FilterGrad, conv3x3InputGrad } from './conv3x3';
import { maxPool2x2, maxPool2x2Backward } from './max_pool';
import { sumPerChannel } from './reduce';
import { skipConv, skipConvBackward } from './skip_conv';

/**
 * Each op's backward against central finite differences of `L = sum(f(inputs) * R)` for a
 * fixed random `R`, on small float32 tensors; `L` is accumulated in float64.
 */

function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

function objective(f: () => tf.Tensor, r: Float32Array): number {
  const y = tf.tidy(f);
  const v = y.dataSync();
  y.dispose();
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * r[i];
  return s;
}

/** Numeric gradient of `loss(values)` at `count` random coordinates of `values`. */
function numericGrad(values: Float32Array, loss: () => number, coords: number[], h: number): number[] {
  return coords.map((i) => {
    const orig = values[i];
    values[i] = orig + h;
    const up = loss();
    values[i] = orig - h;
    const down = loss();
    values[i] = orig;
    return (up - down) / (2 * h);
  });
}

function pick(n: number, count: number, rng: Rng): number[] {
  return Array.from({ length: Math.min(n, count) }, () => rng.int(n));
}

describe('op gradients vs finite differences (cpu backend)', () => {
  const run = (fn: () => void) => withBackend('cpu', fn);

  it('conv3x3: input and filter gradients', () =>
    run(() => {
      const rng = new Rng(1);
      const xs : [number, number, number, number] = [2, 5, 5, 3];
      const ws : [number, number, number, number] = [3, 3, 3, 4];
      const x = randomArray(2 * 5 * 5 * 3, rng);
      const w = randomArray(3 * 3 * 3 * 4, rng, 0.3);
      const r = randomArray(2 * 5 * 5 * 4, rng);
      const loss = () => objective(() => conv3x3(tf.tensor4d(x, xs), tf.tensor4d(w, ws)), r);
      const [dx, dw] = tf.tidy(() => {
        const dy = tf.tensor4d(r, [2, 5, 5, 4]);
        return [conv3x3InputGrad(dy, tf.tensor4d(w, ws)).dataSync(), conv3x3FilterGrad(tf.tensor4d(x, xs), dy, 1).dataSync()];
      }) as unknown as [Float32Array, Float32Array];
      const cx = pick(x.length, 25, rng);
      const cw = pick(w.length, 25, rng);
      expect(relativeError(numericGrad(x, loss, cx, 1e-2), cx.map((i) => dx[i]))).toBeLessThan(1e-2);
      expect(relativeError(numericGrad(w, loss, cw, 1e-2), cw.map((i) => dw[i]))).toBeLessThan(1e-2);
    }));

  it('conv3x3FilterGrad: chunking over the batch does not change the result', () =>
    run(() => {
      const rng = new Rng(2);
      const x = tf.tensor4d(randomArray(5 * 4 * 4 * 2, rng), [5, 4, 4, 2]);
      const dy = tf.tensor4d(randomArray(5 * 4 * 4 * 3, rng), [5, 4, 4, 3]);
      const whole = conv3x3FilterGrad(x, dy, 5).dataSync();
      const chunked = conv3x3FilterGrad(x, dy, 2).dataSync();
      expect(relativeError(whole, chunked)).toBeLessThan(1e-5);
      tf.dispose([x, dy]);
    }));

  it('batch norm (training): input, gamma and beta gradients', () =>
    run(() => {
      const rng = new Rng(3);
      const shape : [number, number, number, number] = [3, 4, 4, 2];
      const n = 3 * 4 * 4 * 2;
      const a = Float32Array.from(randomArray(n, rng), (v, i) => v + (i % 2) * 3); // non-zero mean in channel 1
      const gamma = Float32Array.from([1.5, 0.7]);
      const beta = Float32Array.from([0.2, -0.4]);
      const r = randomArray(n, rng);
      const loss = () =>
        objective(() => {
          const out = batchNormTrain(tf.tensor4d(a, shape), tf.tensor1d(gamma), tf.tensor1d(beta), 1e-5);
          return out.z;
        }, r);
      const grads = tf.tidy(() => {
        const out = batchNormTrain(tf.tensor4d(a, shape), tf.tensor1d(gamma), tf.tensor1d(beta), 1e-5);
        const g = batchNormTrainBackward(tf.tensor4d(r, shape), out.cache);
        return [g.da, g.dgamma, g.dbeta];
      });
      const [da, dg, db] = grads.map((t) => t.dataSync());
      tf.dispose(grads);
      const ca = pick(n, 30, rng);
      expect(relativeError(numericGrad(a, loss, ca, 1e-2), ca.map((i) => da[i]))).toBeLessThan(1e-2);
      expect(relativeError(numericGrad(gamma, loss, [0, 1], 1e-2), [dg[0], dg[1]])).toBeLessThan(1e-2);
      expect(relativeError(numericGrad(beta, loss, [0, 1], 1e-2), [db[0], db[1]])).toBeLessThan(1e-2);
    }));

  it('batch norm (training): statistics match tf.moments, variance unbiased for the running estimate', () =>
    run(() => {
      const rng = new Rng(4);
      const a = tf.tensor4d(Float32Array.from(randomArray(2 * 3 * 3 * 2, rng), (v) => v * 2 + 5), [2, 3, 3, 2]);
      const out = batchNormTrain(a, tf.ones([2]) as tf.Tensor1D, tf.zeros([2]) as tf.Tensor1D, 1e-5);
      const ref = tf.moments(a, [0, 1, 2]);
      expect(relativeError(out.stats.mean.dataSync(), ref.mean.dataSync())).toBeLessThan(1e-5);
      const unbiased = Array.from(ref.variance.dataSync(), (v) => (v * 18) / 17);
      expect(relativeError(out.stats.unbiasedVar.dataSync(), unbiased)).toBeLessThan(1e-4);
      expect(out.stats.count).toBe(18);
      tf.dispose([a, out.z, out.stats.unbiasedVar, out.cache.mean, out.cache.invStd, out.cache.scale, ref.mean, ref.variance]);
    }));

  it('max-pool 2x2: gradient routes to the window maxima', () =>
    run(() => {
      const rng = new Rng(5);
      const shape : [number, number, number, number] = [2, 4, 6, 3];
      const n = 2 * 4 * 6 * 3;
      // A permutation of well-separated values: no ties, and steps of 1e-3 never reorder a window.
      const perm = rng.permutation(n);
      const x = Float32Array.from(perm, (v) => v * 0.01);
      const r = randomArray(n / 4, rng);
      const loss = () => objective(() => maxPool2x2(tf.tensor4d(x, shape)), r);
      const dx = tf.tidy(() => {
        const xt = tf.tensor4d(x, shape);
        return maxPool2x2Backward(xt, maxPool2x2(xt), tf.tensor4d(r, [2, 2, 3, 3])).dataSync();
      });
      const coords = Array.from({ length: n }, (_, i) => i);
      expect(relativeError(numericGrad(x, loss, coords, 1e-3), coords.map((i) => dx[i]))).toBeLessThan(1e-2);
    }));

  it('skip conv (1x1, stride 2): input, weight and bias gradients; forward equals conv2d stride 2', () =>
    run(() => {
      const rng = new Rng(6);
      const xs : [number, number, number, number] = [2, 4, 6, 3];
      const x = randomArray(2 * 4 * 6 * 3, rng);
      const w = randomArray(3 * 5, rng, 0.5);
      const b = randomArray(5, rng);
      const r = randomArray(2 * 2 * 3 * 5, rng);
      const fwd = () => skipConv(tf.tensor4d(x, xs), tf.tensor4d(w, [1, 1, 3, 5]), tf.tensor1d(b));
      const reference = tf.tidy(() => tf.add(tf.conv2d(tf.tensor4d(x, xs), tf.tensor4d(w, [1, 1, 3, 5]), 2, 'valid'), tf.tensor1d(b)).dataSync());
      const mine = tf.tidy(() => fwd().y.dataSync());
      expect(relativeError(mine, reference)).toBeLessThan(1e-5);
      const loss = () => objective(() => fwd().y, r);
      const [dx, dw, db] = tf.tidy(() => {
        const out = fwd();
        const g = skipConvBackward(out.cache, tf.tensor4d(w, [1, 1, 3, 5]), tf.tensor4d(r, [2, 2, 3, 5]));
        return [(g.dx as tf.Tensor).dataSync(), (g.dw as tf.Tensor).dataSync(), (g.db as tf.Tensor).dataSync()];
      }) as unknown as Float32Array[];
      const cx = Array.from({ length: x.length }, (_, i) => i);
      expect(relativeError(numericGrad(x, loss, cx, 1e-2), cx.map((i) => dx[i]))).toBeLessThan(1e-2);
      const cw = Array.from({ length: w.length }, (_, i) => i);
      expect(relativeError(numericGrad(w, loss, cw, 1e-2), cw.map((i) => dw[i]))).toBeLessThan(1e-2);
      expect(relativeError(numericGrad(b, loss, [0, 1, 2, 3, 4], 1e-2), Array.from(db))).toBeLessThan(1e-2);
    }));

  it('sumPerChannel equals tf.sum over N, H, W', () =>
    run(() => {
      const rng = new Rng(7);
      const x = tf.tensor4d(randomArray(3 * 5 * 4 * 2, rng), [3, 5, 4, 2]);
      expect(relativeError(sumPerChannel(x).dataSync(), tf.sum(x, [0, 1, 2]).dataSync())).toBeLessThan(1e-5);
      x.dispose();
    }));
});
