import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BatchLoader, ImageDataset, loadBundledDataset, splitIndices, subsetDataset } from '@advlab/data';
import { createModel, LabeledBatch, loadCheckpoint, saveCheckpoint, train, TrainingData, useBackend } from '@advlab/model';
import { useOnednn } from './testing';

/**
 * Models move between backends: a checkpoint trained on onednn predicts the same classes on
 * wasm and the other way round, and a seed gives the same split, batches and initial weights on
 * both. Real data: 600 images of the bundled Fashion-MNIST subset at 28x28.
 */
beforeAll(useOnednn);

const CONFIG = { featureMaps: [8, 16], imageSize: 28, dropRate: 0.1 };
type Backend = 'onednn' | 'wasm';

let dir: string;
let trainSet: ImageDataset;
let testSet: ImageDataset;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'advlab-onednn-ckpt-'));
  const bundled = await loadBundledDataset();
  trainSet = subsetDataset(bundled.train, Array.from({ length: 600 }, (_, i) => i));
  testSet = subsetDataset(bundled.test, Array.from({ length: 200 }, (_, i) => i));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

function data(ds: ImageDataset): TrainingData {
  const loader = new BatchLoader(ds, { batchSize: 32, seed: 5, augment: false });
  return { train: (epoch) => loader.trainBatches(epoch) as AsyncIterable<LabeledBatch> };
}

async function predictions(backend: Backend, file: string): Promise<{ classes: number[]; logits: Float32Array }> {
  await useBackend(backend);
  const { model } = await loadCheckpoint(file);
  const loader = new BatchLoader(testSet, { batchSize: 200, augment: false });
  const classes: number[] = [];
  let logits = new Float32Array(0);
  for await (const b of loader.evalBatches()) {
    const [c, l] = tf.tidy(() => {
      const z = model.forward(b.x);
      return [Array.from(tf.argMax(z, 1).dataSync()), Float32Array.from(z.dataSync())] as const;
    });
    classes.push(...c);
    logits = l;
    b.x.dispose();
  }
  model.dispose();
  return { classes, logits };
}

describe('checkpoints between onednn and wasm', () => {
  it.each([
    ['onednn', 'wasm'],
    ['wasm', 'onednn'],
  ] as [Backend, Backend][])('trained on %s, loaded on %s: the same classes', async (from, to) => {
    await useBackend(from);
    const model = createModel(CONFIG, trainSet.classNames.length, 3);
    const r = await train(model, data(trainSet), { epochs: 2, seed: 2, learningRate: 5e-3 });
    expect(r.history[1].trainAccuracy).toBeGreaterThan(0.3); // it learned something (chance: 0.1)
    const file = path.join(dir, `${from}.advlab`);
    await saveCheckpoint(file, model, { classNames: trainSet.classNames });
    model.dispose();
    const here = await predictions(from, file);
    const there = await predictions(to, file);
    expect(there.classes).toEqual(here.classes);
    there.logits.forEach((v, i) => expect(Math.abs(v - here.logits[i])).toBeLessThan(1e-3));
  });

  it('the same seed gives the same split, batches and initial weights on both', async () => {
    const split = splitIndices(trainSet.labels, { seed: 1234, validationFraction: 0.1 });
    const run = async (backend: Backend) => {
      await useBackend(backend);
      const weights = createModel(CONFIG, 10, 42).getWeights();
      const loader = new BatchLoader(trainSet, { batchSize: 32, seed: 9 });
      const it = loader.trainBatches(0)[Symbol.asyncIterator]();
      const first = (await it.next()).value as LabeledBatch;
      const pixels = Float32Array.from(first.x.dataSync());
      first.x.dispose();
      await it.return?.(undefined);
      return { weights, pixels, labels: Array.from(first.labels as Int32Array) };
    };
    const a = await run('onednn');
    const b = await run('wasm');
    expect(split.train.length + split.validation.length).toBe(600);
    for (const k of Object.keys(a.weights)) expect(Array.from(a.weights[k])).toEqual(Array.from(b.weights[k]));
    expect(a.labels).toEqual(b.labels);
    // Augmentation (flip, colour jitter) runs as tensor ops on the active backend: same draws, float rounding apart.
    let err = 0;
    a.pixels.forEach((v, i) => (err = Math.max(err, Math.abs(v - b.pixels[i]))));
    expect(err).toBeLessThan(1e-5);
  });
});
