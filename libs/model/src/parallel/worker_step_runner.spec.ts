import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '../model';
import { oneHotTargets } from '../losses';
import { LocalStepRunner } from '../step_runner';
import { withBackend } from '../testing/backends';
import { batchesOf, syntheticData, syntheticSet } from '../testing/synthetic';
import { evaluate, train } from '../train';
import { poolBatchStats, resolveWorkerCount, shardSizes, WorkerStepRunner } from './worker_step_runner';

jest.setTimeout(60_000);

describe('training over worker threads (wasm)', () => {
  const run = <T>(fn: () => Promise<T>) => withBackend('wasm', fn);
  const MODEL = { featureMaps: [6, 12], imageSize: 8, dropRate: 0.1 };
  const set = syntheticSet(4, 12, 8, 1);

  it('one worker thread computes exactly what the training thread computes', () =>
    run(async () => {
      const model = createModel(MODEL, 4, 3);
      const { x, labels } = batchesOf(set, 16, 0).next().value as { x: tf.Tensor4D; labels: Int32Array };
      const targets = oneHotTargets(labels, 4);
      const input = { x, targets, loss: 'cross-entropy' as const, dropoutSeed: 5 };
      const local = await new LocalStepRunner().run(model, input);
      const runner = await WorkerStepRunner.start(model, 1, 'wasm');
      try {
        const remote = await runner.run(model, input);
        expect(remote.loss).toBe(local.loss);
        expect(remote.correct).toBe(local.correct);
        for (const k of Object.keys(local.grads)) expect(Array.from(remote.grads[k].dataSync())).toEqual(Array.from(local.grads[k].dataSync()));
        tf.dispose([remote.grads as unknown as tf.TensorContainer]);
      } finally {
        await runner.close();
      }
      tf.dispose([x, targets, local.grads as unknown as tf.TensorContainer]);
      model.dispose();
    }));

  it('two workers train as well as one, deterministically, without leaking tensors', () =>
    run(async () => {
      const fit = async (workers: number) => {
        const model = createModel(MODEL, 4, 3);
        const before = tf.memory().numTensors;
        const r = await train(model, syntheticData(set, 16), { epochs: 12, learningRate: 1e-2, seed: 2 }, { workers });
        const after = tf.memory().numTensors;
        const acc = await evaluate(model, (async function* () { yield* batchesOf(set, 16, 0, false); })());
        model.dispose();
        return { losses: r.history.map((h) => h.trainLoss), acc: acc.accuracy, leaked: after - before };
      };
      const one = await fit(1);
      const two = await fit(2);
      const twoAgain = await fit(2);
      expect(two.leaked).toBe(0);
      expect(twoAgain.losses).toEqual(two.losses);
      expect(two.acc).toBe(1);
      expect(one.acc).toBe(1);
      // Same start, same data, same dropout; only BN statistics differ (per shard).
      expect(Math.abs(two.losses[0] - one.losses[0])).toBeLessThan(0.1);
      expect(two.losses[two.losses.length - 1]).toBeLessThan(0.5 * two.losses[0]);
    }));

  it('pooled shard statistics equal the whole-batch mean and unbiased variance', () => {
    const values = [1, 2, 4, 7, 11, 16, 22];
    const stat = (v: number[]) => {
      const mean = v.reduce((s, a) => s + a, 0) / v.length;
      return { mean: Float32Array.of(mean), unbiasedVar: Float32Array.of(v.reduce((s, a) => s + (a - mean) ** 2, 0) / (v.length - 1)), count: v.length };
    };
    const pooled = poolBatchStats([{ bn: stat(values.slice(0, 3)) }, { bn: stat(values.slice(3)) }]).bn;
    const whole = stat(values);
    expect(pooled.mean[0]).toBeCloseTo(whole.mean[0], 5);
    expect(pooled.unbiasedVar[0]).toBeCloseTo(whole.unbiasedVar[0], 4);
    expect(pooled.count).toBe(7);
  });

  it('splits batches evenly and picks the worker count', () =>
    run(async () => {
      expect(shardSizes(32, 2)).toEqual([16, 16]);
      expect(shardSizes(7, 2)).toEqual([4, 3]);
      expect(shardSizes(1, 2)).toEqual([1]);
      const tiny = createModel(MODEL, 4);
      const big = createModel({ featureMaps: [32, 64], imageSize: 64 }, 20);
      expect(resolveWorkerCount('auto', 'wasm', tiny, 32, {})).toBe(1);
      expect(resolveWorkerCount('auto', 'node', big, 32, {})).toBe(1);
      expect(resolveWorkerCount('auto', 'wasm', big, 32, { ADVLAB_WORKERS: '3' })).toBe(3);
      expect(resolveWorkerCount(1, 'wasm', big, 32, { ADVLAB_WORKERS: '3' })).toBe(1);
      expect(() => resolveWorkerCount('auto', 'wasm', big, 32, { ADVLAB_WORKERS: 'two' })).toThrow(/ADVLAB_WORKERS/);
      tiny.dispose();
      big.dispose();
    }));
});
