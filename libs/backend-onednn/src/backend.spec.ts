import * as tf from '@tensorflow/tfjs-core';
import { Adam, createModel, describeBackend, lossAndGradients, inputGradient, oneHotTargets, resolveBackend, Rng } from '@advlab/model';
import { loadAddon } from './addon';
import { OnednnMemoryInfo } from './backend_onednn';
import { registerOnednnBackend, threadsFromEnv } from './register';
import { normalArray, useOnednn } from './testing';

beforeAll(useOnednn);

const memory = () => tf.memory() as unknown as OnednnMemoryInfo & tf.MemoryInfo;

describe('the onednn backend', () => {
  it('is what the resolution picks when tfjs-node is not installed, and says how it runs', async () => {
    const lines: string[] = [];
    const r = await resolveBackend({ log: (l) => lines.push(l) });
    expect(r.name).toBe('onednn');
    expect(lines[0]).toContain('tensor backend: onednn');
    expect(describeBackend()).toMatch(/^onednn \(oneDNN 2\.\d+\.\d+, \d+ OpenMP threads?\)$/);
  });

  it('reads ADVLAB_THREADS and rejects nonsense', () => {
    expect(threadsFromEnv({ ADVLAB_THREADS: '3' })).toBe(3);
    expect(threadsFromEnv({})).toBeGreaterThanOrEqual(1);
    expect(() => threadsFromEnv({ ADVLAB_THREADS: 'many' })).toThrow(/ADVLAB_THREADS/);
    const addon = registerOnednnBackend(1);
    expect(addon.info().threads).toBe(1);
    registerOnednnBackend(threadsFromEnv());
  });

  it('turns native failures into exceptions naming the kernel and the shapes', () => {
    const addon = loadAddon();
    const g = [1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1];
    expect(() => addon.conv2d(new Float32Array(32), new Float32Array(54), null, new Float32Array(10), g, false)).toThrow(/^Conv2D: y holds 10 values, needs 48/);
    expect(() => addon.conv2d(new Float32Array(32), new Float32Array(54), null, new Float32Array(48), g.slice(1), false)).toThrow(/Conv2D: geometry needs 15 entries/);
    expect(() =>
      tf.engine().runKernel('AdvlabBatchNormTrain', { x: tf.zeros([2, 3, 3, 4]), gamma: tf.ones([5]), beta: tf.zeros([5]) }, { epsilon: 1e-5, relu: false }),
    ).toThrow(/AdvlabBatchNormTrain: .*\[2,3,3,4\], \[5\]/);
  });

  it('recycles the arrays of disposed outputs, never those that were read or sliced', () => {
    const x = tf.tensor4d(normalArray(2 * 8 * 8 * 4, 1), [2, 8, 8, 4]);
    const first = tf.relu(x);
    const read = first.dataSync();
    const copy = Float32Array.from(read);
    first.dispose();
    const view = tf.slice(tf.reshape(tf.relu(x), [-1]), [0], [16]); // a subarray of the relu output
    const viewValues = Float32Array.from(view.dataSync());
    const reusedBefore = memory().pool.reused;
    for (let i = 0; i < 5; i++) tf.dispose(tf.neg(x));
    expect(memory().pool.reused).toBeGreaterThan(reusedBefore); // negations recycle each other's arrays
    for (let i = 0; i < 5; i++) tf.dispose(tf.sign(x));
    expect(Array.from(read)).toEqual(Array.from(copy)); // the array dataSync handed out is untouched
    expect(Array.from(view.dataSync())).toEqual(Array.from(viewValues));
    const live = tf.memory().numBytes;
    const kept = tf.relu(x);
    expect(tf.memory().numBytes).toBe(live + kept.size * 4); // numBytes counts live tensors only
    tf.dispose([x, view, kept]);
  });

  it('keeps tensor count, pool allocations and cached primitives flat over repeated training steps and PGD steps', () => {
    const model = createModel({ featureMaps: [8, 16], imageSize: 16 }, 5, 1);
    const rng = new Rng(3);
    const x = tf.tensor4d(Float32Array.from({ length: 8 * 16 * 16 * 3 }, () => rng.uniform()), [8, 16, 16, 3]);
    const targets = oneHotTargets(Int32Array.from({ length: 8 }, () => rng.int(5)), 5);
    const adam = new Adam();
    const trainStep = (i: number) => {
      const r = lossAndGradients(model, x, targets, { loss: 'cross-entropy', dropoutSeed: i });
      adam.step(model.params, r.grads, 1e-3);
      tf.dispose([r.loss, r.logits, ...Object.values(r.grads), ...Object.values(r.batchStats).flatMap((s) => [s.mean, s.unbiasedVar])]);
    };
    const pgdStep = (xa: tf.Tensor4D): tf.Tensor4D =>
      tf.tidy(() => {
        const g = inputGradient(model, xa, { loss: 'cross-entropy', targets });
        return tf.clipByValue(tf.add(xa, tf.mul(tf.sign(g.grad), 0.002)), 0, 1) as tf.Tensor4D;
      });
    const snapshot = () => ({ tensors: tf.memory().numTensors, allocated: memory().pool.allocated, primitives: memory().cachedPrimitives });
    const cycle = (k: number) => {
      trainStep(k);
      let xa = tf.clone(x);
      for (let s = 0; s < 3; s++) {
        const next = pgdStep(xa);
        xa.dispose();
        xa = next;
      }
      xa.dispose();
    };
    cycle(0); // warm-up: primitives created, the pool filled
    cycle(1);
    const before = snapshot();
    for (let k = 2; k < 6; k++) cycle(k);
    expect(snapshot()).toEqual(before);
    adam.dispose();
    model.dispose();
    tf.dispose([x, targets]);
  });
});
