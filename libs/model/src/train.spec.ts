import * as tf from '@tensorflow/tfjs-core';
import { createModel } from './model';
import { testBackend, withBackend } from './testing/backends';
import { batchesOf, syntheticData, syntheticSet } from './testing/synthetic';
import { evaluate, withTrainDefaults, train, TrainConfig } from './train';

const MODEL = { featureMaps: [6, 12], imageSize: 8, dropRate: 0.1 };

describe(`training loop (${testBackend()})`, () => {
  const run = <T>(fn: () => Promise<T>) => withBackend(testBackend(), fn);
  const set = syntheticSet(4, 12, 8, 1);

  it.each(['cross-entropy', 'ova'] as const)('learns a tiny synthetic set to 100%% training accuracy with %s', (loss) =>
    run(async () => {
      const model = createModel(MODEL, 4, 3);
      const result = await train(model, syntheticData(set, 16), { epochs: 25, learningRate: 1e-2, loss, seed: 1 });
      const acc = await evaluate(model, (async function* () { yield* batchesOf(set, 16, 0, false); })(), loss);
      expect(acc.accuracy).toBe(1);
      expect(result.history[result.history.length - 1].trainLoss).toBeLessThan(result.history[0].trainLoss);
      model.dispose();
    }),
  );

  it('the same seeds give identical losses and weights', () =>
    run(async () => {
      const once = async () => {
        const model = createModel(MODEL, 4, 9);
        const r = await train(model, syntheticData(set, 16), { epochs: 2, mix: 'cutmix', seed: 4 });
        const w = model.getWeights();
        model.dispose();
        return { losses: r.history.map((h) => h.trainLoss), w };
      };
      const a = await once();
      const b = await once();
      expect(b.losses).toEqual(a.losses);
      for (const k of Object.keys(a.w)) expect(Array.from(b.w[k])).toEqual(Array.from(a.w[k]));
    }));

  it('keeps tf.memory().numTensors flat across epochs (Mixup, validation, callbacks)', () =>
    run(async () => {
      const model = createModel(MODEL, 4, 2);
      const counts: number[] = [];
      await train(model, syntheticData(set, 16, set), { epochs: 4, mix: 'mixup', lrSchedule: 'cosine' }, { onEpoch: () => void counts.push(tf.memory().numTensors) });
      expect(new Set(counts).size).toBe(1);
      const before = tf.memory().numTensors;
      model.dispose();
      expect(tf.memory().numTensors).toBe(before - Object.keys(model.params).length - Object.keys(model.bnState).length);
    }));

  it('reports batches and epochs, records validation metrics, and stops cleanly on abort', () =>
    run(async () => {
      const model = createModel(MODEL, 4, 2);
      const controller = new AbortController();
      const batches: number[] = [];
      const before = tf.memory().numTensors;
      const result = await train(model, syntheticData(set, 8, set), { epochs: 5 }, {
        signal: controller.signal,
        onBatch: (p) => {
          batches.push(p.step);
          if (p.step === 8) controller.abort();
        },
      });
      expect(result.stopReason).toBe('aborted');
      expect(batches).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(result.history).toHaveLength(1);
      expect(result.history[0].valAccuracy).toEqual(expect.any(Number));
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    }));

  it("reports the epoch's running means with each batch, ending on the epoch's train figures", () =>
    run(async () => {
      const model = createModel(MODEL, 4, 2);
      const seen: { epoch: number; loss: number; accuracy: number; epochLoss: number; epochAccuracy: number; epochImages: number }[] = [];
      const result = await train(model, syntheticData(set, 6), { epochs: 2 }, { onBatch: (p) => void seen.push({ ...p }) });
      for (const epoch of [0, 1]) {
        const batches = seen.filter((p) => p.epoch === epoch);
        // The weighted mean of the batches' own figures, batch by batch (the last batch is smaller).
        let [loss, correct, images] = [0, 0, 0];
        for (const p of batches) {
          const n = p.epochImages - images;
          [loss, correct, images] = [loss + p.loss * n, correct + p.accuracy * n, p.epochImages];
          expect(p.epochLoss).toBeCloseTo(loss / images, 5);
          expect(p.epochAccuracy).toBeCloseTo(correct / images, 5);
        }
        const last = batches[batches.length - 1];
        expect(last.epochLoss).toBeCloseTo(result.history[epoch].trainLoss, 5);
        expect(last.epochAccuracy).toBeCloseTo(result.history[epoch].trainAccuracy, 5);
      }
      model.dispose();
    }));

  it("stops after the epoch whose onEpoch asks it to, keeping that epoch's weights", () =>
    run(async () => {
      const model = createModel(MODEL, 4, 2);
      let after: Record<string, Float32Array> = {};
      const result = await train(model, syntheticData(set, 16), { epochs: 30, learningRate: 1e-2 }, {
        onEpoch: (m) => {
          after = model.getWeights();
          return m.epoch === 2 ? 'stop' : undefined;
        },
      });
      expect(result.stopReason).toBe('stopped');
      expect(result.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
      for (const [name, w] of Object.entries(model.getWeights())) expect(w).toEqual(after[name]);
      model.dispose();
    }));

  it('validates the configuration with the field name', () => {
    expect(() => withTrainDefaults({ epochs: 0 })).toThrow(/epochs/);
    expect(() => withTrainDefaults({ loss: 'hinge' as TrainConfig['loss'] })).toThrow(/loss/);
    expect(() => withTrainDefaults({ learningRate: -1 })).toThrow(/learningRate/);
  });
});
