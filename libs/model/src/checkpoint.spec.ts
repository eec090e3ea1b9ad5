import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, modelFromCheckpoint, saveCheckpoint } from './checkpoint';
import { createModel, Model } from './model';
import { withBackend } from './testing/backends';
import { batchesOf, syntheticData, syntheticSet } from './testing/synthetic';
import { train } from './train';

describe('checkpoints', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'advlab-model-ckpt-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const set = syntheticSet(3, 8, 8, 2);
  const images = () => (batchesOf(set, 24, 0, false).next().value as { x: tf.Tensor4D }).x;
  const logitsOf = (m: Model) => tf.tidy(() => m.forward(images()).dataSync());

  it('round trip keeps weights, running statistics, config, class names, training config and history', () =>
    withBackend('wasm', async () => {
      const model = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3, 1);
      const { history } = await train(model, syntheticData(set, 8), { epochs: 2, seed: 3 });
      const file = path.join(dir, 'a', 'model.advlab');
      await saveCheckpoint(file, model, { classNames: ['a', 'b', 'c'], trainConfig: { epochs: 2, seed: 3 }, history });
      expect((await fs.readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const { model: loaded, header } = await loadCheckpoint(file);
      expect(header.classNames).toEqual(['a', 'b', 'c']);
      expect(header.trainConfig).toEqual({ epochs: 2, seed: 3 });
      expect(header.history).toEqual(history);
      expect(header.modelConfig).toEqual(model.config);
      expect(header.numParameters).toBe(model.numParameters());
      const w = model.getWeights();
      const v = loaded.getWeights();
      for (const k of Object.keys(w)) expect(Array.from(v[k])).toEqual(Array.from(w[k]));
      expect(Array.from(logitsOf(loaded))).toEqual(Array.from(logitsOf(model)));
      model.dispose();
      loaded.dispose();
    }));

  it('a checkpoint saved on wasm predicts the same classes on cpu', async () => {
    const file = path.join(dir, 'cross.advlab');
    const wasmPred = await withBackend('wasm', async () => {
      const model = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3, 2);
      await train(model, syntheticData(set, 8), { epochs: 2 });
      await saveCheckpoint(file, model, { classNames: ['a', 'b', 'c'] });
      const out = { classes: Array.from(tf.tidy(() => model.predictClasses(images()).dataSync())), logits: logitsOf(model) };
      model.dispose();
      return out;
    });
    const cpuPred = await withBackend('cpu', async () => {
      const { model } = await loadCheckpoint(file);
      const out = { classes: Array.from(tf.tidy(() => model.predictClasses(images()).dataSync())), logits: logitsOf(model) };
      model.dispose();
      return out;
    });
    expect(cpuPred.classes).toEqual(wasmPred.classes);
    cpuPred.logits.forEach((v, i) => expect(v).toBeCloseTo(wasmPred.logits[i], 4));
  });

  it('saving over an existing file replaces it atomically', () =>
    withBackend('wasm', async () => {
      const file = path.join(dir, 'replace.advlab');
      const a = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3, 1);
      const b = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3, 2);
      await saveCheckpoint(file, a, { classNames: ['a', 'b', 'c'] });
      await saveCheckpoint(file, b, { classNames: ['x', 'y', 'z'] });
      const { header, weights } = decodeCheckpoint(await fs.readFile(file));
      expect(header.classNames).toEqual(['x', 'y', 'z']);
      expect(Array.from(weights['head.bias'])).toEqual(Array.from(b.getWeights()['head.bias']));
      a.dispose();
      b.dispose();
    }));

  it('reads version-1 checkpoints (a file written by the version-1 encoder)', () =>
    withBackend('wasm', async () => {
      const buf = await fs.readFile(path.join(__dirname, 'testing', 'fixtures', 'checkpoint-v1.advlab'));
      expect(buf.readUInt32LE(8)).toBe(1);
      const decoded = decodeCheckpoint(buf);
      expect(decoded.training).toBeNull();
      expect(decoded.header).toMatchObject({
        modelConfig: { featureMaps: [2, 4], dropRate: 0.1, batchNorm: true, useSkip: true, imageSize: 4 },
        numClasses: 3,
        classNames: ['cat', 'dog', 'eel'],
        trainConfig: { epochs: 1, seed: 11 },
        history: [{ epoch: 0, trainLoss: 1.25, trainAccuracy: 0.5, valLoss: 1.5, valAccuracy: 0.375, learningRate: 0.001, seconds: 2 }],
        extra: { note: 'version 1' },
      });
      // It holds the initial weights of this architecture with seed 11.
      const original = createModel({ featureMaps: [2, 4], imageSize: 4, dropRate: 0.1 }, 3, 11);
      const loaded = modelFromCheckpoint(decoded);
      const [w, v] = [original.getWeights(), loaded.getWeights()];
      expect(Object.keys(v).sort()).toEqual(Object.keys(w).sort());
      for (const k of Object.keys(w)) expect(Array.from(v[k])).toEqual(Array.from(w[k]));
      original.dispose();
      loaded.dispose();
    }));

  it('writes the current version and refuses versions it does not know', () =>
    withBackend('wasm', () => {
      const model = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3, 1);
      const buf = encodeCheckpoint(model, { classNames: ['a', 'b', 'c'] });
      model.dispose();
      expect(buf.readUInt32LE(8)).toBe(CHECKPOINT_VERSION);
      expect(CHECKPOINT_VERSION).toBe(2);
      const future = Buffer.from(buf);
      future.writeUInt32LE(3, 8);
      expect(() => decodeCheckpoint(future)).toThrow(/version 3 is not supported \(this build reads 1 and 2\)/);
    }));

  it('rejects files that are not checkpoints, truncated files and wrong class-name counts', () =>
    withBackend('wasm', () => {
      const model = createModel({ featureMaps: [4, 8], imageSize: 8 }, 3, 1);
      const buf = encodeCheckpoint(model, { classNames: ['a', 'b', 'c'] });
      expect(() => decodeCheckpoint(Buffer.from('hello world, not a model'))).toThrow(/magic/);
      expect(() => decodeCheckpoint(buf.subarray(0, buf.length - 8))).toThrow(/truncated/);
      expect(() => encodeCheckpoint(model, { classNames: ['a'] })).toThrow(/class names/);
      model.dispose();
    }));
});
