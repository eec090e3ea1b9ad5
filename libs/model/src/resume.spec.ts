import * as tf from '@tensorflow/tfjs-core';
import { backendSignature } from './backend';
import { CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint, encodeTrainingCheckpoint, modelFromCheckpoint } from './checkpoint';
import { ModelConfig } from './config';
import { createModel } from './model';
import { testBackend, withBackend } from './testing/backends';
import { syntheticData, syntheticSet } from './testing/synthetic';
import { EpochMetrics, train, TrainConfig, TrainHooks, TrainingState } from './train';

jest.setTimeout(60_000);

const CLASSES = ['a', 'b', 'c', 'd'];
const MODEL: Partial<ModelConfig> = { featureMaps: [6, 12], imageSize: 8, dropRate: 0.1 };
/** A schedule whose position matters: cosine after a warm-up epoch, with weight decay. */
const CONFIG: Partial<TrainConfig> = { epochs: 3, learningRate: 5e-3, lrSchedule: 'cosine', warmupEpochs: 1, weightDecay: 1e-3, seed: 4 };

type Weights = Record<string, Float32Array>;

/** Fails unless every variable holds the same float32 bits, naming the first that differs and by how much. */
function expectSameWeights(actual: Weights, expected: Weights): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  const differing = Object.keys(expected).flatMap((name) => {
    const [a, e] = [actual[name], expected[name]];
    const same = a.length === e.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(e.buffer, e.byteOffset, e.byteLength));
    return same ? [] : [`${name} (max |diff| ${maxDiff(a, e)})`];
  });
  expect(differing).toEqual([]);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Epoch metrics without the wall-clock time. */
const timeless = (h: readonly EpochMetrics[]) => h.map(({ seconds: _seconds, ...rest }) => rest);

describe(`resuming a run from an end-of-epoch training checkpoint (${testBackend()})`, () => {
  const run = <T>(fn: () => Promise<T>) => withBackend(testBackend(), fn);
  const set = syntheticSet(4, 12, 8, 1);
  const val = syntheticSet(4, 3, 8, 2);
  const data = () => syntheticData(set, 16, val);

  /** The uninterrupted run: its final weights and result. */
  async function straight(model: Partial<ModelConfig>, config: Partial<TrainConfig>, hooks: TrainHooks = {}) {
    const m = createModel(model, 4, 9);
    const result = await train(m, data(), config, hooks);
    const weights = m.getWeights();
    m.dispose();
    return { weights, result };
  }

  /** The same run stopped after `epochs` epochs, its state written to a Buffer at that point. */
  async function firstPart(model: Partial<ModelConfig>, config: Partial<TrainConfig>, epochs: number, hooks: TrainHooks = {}): Promise<Buffer> {
    const m = createModel(model, 4, 9);
    let saved: Buffer | null = null;
    await train(m, data(), config, {
      ...hooks,
      onEpoch: (metrics, end) => {
        saved = encodeTrainingCheckpoint(end.snapshot(), { classNames: CLASSES });
        return metrics.epoch + 1 === epochs ? 'stop' : undefined;
      },
    });
    m.dispose();
    if (!saved) throw new Error('no epoch ended');
    return saved;
  }

  /**
   * A new model built from the checkpoint alone, trained on from its state. `fresh`: a model
   * with other initial weights instead, which `train` sets from the state.
   */
  async function resumed(buf: Buffer, config: Partial<TrainConfig>, hooks: TrainHooks = {}, edit: (s: TrainingState) => TrainingState = (s) => s, fresh = false) {
    const decoded = decodeCheckpoint(buf);
    if (!decoded.training) throw new Error('not a training checkpoint');
    const m = fresh ? createModel(decoded.header.modelConfig, decoded.header.numClasses, 1234) : modelFromCheckpoint(decoded);
    const result = await train(m, data(), config, { ...hooks, resumeFrom: edit(decoded.training) });
    const weights = m.getWeights();
    m.dispose();
    return { weights, result };
  }

  it.each([
    ['without dropout or mixing', { ...MODEL, dropRate: 0 }, { mix: 'none' }],
    ['with dropout 0.3', { ...MODEL, dropRate: 0.3 }, { mix: 'none' }],
    ['with dropout and Mixup', MODEL, { mix: 'mixup' }],
    ['with dropout and CutMix', MODEL, { mix: 'cutmix' }],
  ] as const)('1 epoch, checkpoint, 2 more epochs ends bit for bit where 3 epochs straight end, %s', (_name, model, mix) =>
    run(async () => {
      const config = { ...CONFIG, ...mix };
      const a = await straight(model, config);
      const b = await resumed(await firstPart(model, config, 1), config);
      expectSameWeights(b.weights, a.weights);
      expect(b.result.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
      expect(timeless(b.result.history)).toEqual(timeless(a.result.history));
      expect(b.result.steps).toBe(a.result.steps);
      expect(b.result.stopReason).toBe('completed');
    }),
  );

  it('a run killed mid-epoch resumes from its last end-of-epoch checkpoint, reporting epochs 1 and 2 as the straight run did', () =>
    run(async () => {
      const config = { ...CONFIG, mix: 'cutmix' as const };
      const a = await straight(MODEL, config);
      const killer = new AbortController();
      let last: Buffer | null = null;
      const m = createModel(MODEL, 4, 9);
      const killed = await train(m, data(), config, {
        signal: killer.signal,
        onEpoch: (_metrics, end) => void (last = encodeTrainingCheckpoint(end.snapshot(), { classNames: CLASSES })),
        onBatch: (p) => void (p.epoch === 1 && p.batch === 2 && killer.abort()),
      });
      m.dispose();
      expect(killed.stopReason).toBe('aborted');
      const reported: EpochMetrics[] = [];
      const b = await resumed(last as unknown as Buffer, config, { onEpoch: (metrics) => void reported.push(metrics) }, undefined, true);
      expect(reported.map((h) => h.epoch)).toEqual([1, 2]);
      expect(timeless(reported)).toEqual(timeless(a.result.history.slice(1)));
      expectSameWeights(b.weights, a.weights);
    }));

  it('resuming uses the optimiser state: a fresh Adam from the same weights ends elsewhere', () =>
    run(async () => {
      const a = await straight(MODEL, CONFIG);
      const buf = await firstPart(MODEL, CONFIG, 1);
      const fresh = await resumed(buf, CONFIG, {}, (s) => ({ ...s, optimizer: { ...s.optimizer, t: 0, m: {}, v: {} } }));
      const zeroedMoments = await resumed(buf, CONFIG, {}, (s) => ({
        ...s,
        optimizer: { ...s.optimizer, m: mapValues(s.optimizer.m, (x) => new Float32Array(x.length)), v: mapValues(s.optimizer.v, (x) => new Float32Array(x.length)) },
      }));
      for (const other of [fresh, zeroedMoments]) expect(maxDiff(other.weights['head.weight'], a.weights['head.weight'])).toBeGreaterThan(1e-4);
      expectSameWeights((await resumed(buf, CONFIG)).weights, a.weights);
    }));

  // Worker threads are how wasm uses several cores (onednn has its own threads), so this one runs on wasm.
  it('a resumed run spreads its steps over as many worker threads as the run it resumes (wasm)', () =>
    withBackend('wasm', async () => {
      const config = { ...CONFIG, epochs: 2 };
      const a = await straight(MODEL, config, { workers: 2 });
      const buf = await firstPart(MODEL, config, 1, { workers: 2 });
      expect(decodeCheckpoint(buf).training?.workers).toBe(2);
      expectSameWeights((await resumed(buf, config)).weights, a.weights);
      // Batch norm normalises each thread's shard on its own, so the count changes the result.
      expect(maxDiff((await resumed(buf, config, { workers: 1 })).weights['head.weight'], a.weights['head.weight'])).toBeGreaterThan(0);
    }));

  it('a training checkpoint round-trips the whole state; a model checkpoint stays weights-only', () =>
    run(async () => {
      const m = createModel(MODEL, 4, 9);
      let state: TrainingState | null = null;
      let plain: Buffer | null = null;
      await train(m, data(), { ...CONFIG, mix: 'mixup' }, {
        onEpoch: (metrics, end) => {
          state = end.snapshot();
          expect(end.snapshot()).toBe(state);
          plain = encodeCheckpoint(m, { classNames: CLASSES });
          return metrics.epoch === 1 ? 'stop' : undefined;
        },
      });
      m.dispose();
      const s = state as unknown as TrainingState;
      expect(s).toMatchObject({ epochsDone: 2, step: 6, batchesPerEpoch: 3, workers: 1, numClasses: 4, backend: backendSignature() });
      expect(s.history.map((h) => h.epoch)).toEqual([0, 1]);
      expect(s.optimizer.t).toBe(6);
      expect(Object.keys(s.optimizer.m).sort()).toEqual(Object.keys(m.params).sort());

      const buf = encodeTrainingCheckpoint(s, { classNames: CLASSES, extra: { run: 'r1' } });
      expect(buf.readUInt32LE(8)).toBe(CHECKPOINT_VERSION);
      const decoded = decodeCheckpoint(buf);
      const t = decoded.training as TrainingState;
      expect(t).not.toBeNull();
      expect({ ...t, weights: null, optimizer: { ...t.optimizer, m: null, v: null } }).toEqual({ ...s, weights: null, optimizer: { ...s.optimizer, m: null, v: null } });
      expectSameWeights(t.weights, s.weights as Weights);
      expectSameWeights(t.optimizer.m as Weights, s.optimizer.m as Weights);
      expectSameWeights(t.optimizer.v as Weights, s.optimizer.v as Weights);
      expect(decoded.header).toMatchObject({ classNames: CLASSES, history: s.history, trainConfig: s.config, extra: { run: 'r1' } });

      const p = decodeCheckpoint(plain as unknown as Buffer);
      expect(p.training).toBeNull();
      expect(p.header.training).toBeUndefined();
      expectSameWeights(p.weights, s.weights as Weights);
      expect((plain as unknown as Buffer).length).toBeLessThan(buf.length / 2.5);

      expect(() => decodeCheckpoint(buf.subarray(0, buf.length - 4))).toThrow(/truncated/);
      const header = JSON.parse(buf.toString('utf8', 16, 16 + buf.readUInt32LE(12)));
      const other = Buffer.from(buf);
      other.write(JSON.stringify(header).replace('"kind":"adam"', '"kind":"sgd!"'), 16, 'utf8');
      expect(() => decodeCheckpoint(other)).toThrow(/optimiser sgd! is not adam/);
    }));

  it('refuses a state that does not fit the model, the configuration or the data, and a snapshot taken too late', () =>
    run(async () => {
      const buf = await firstPart(MODEL, CONFIG, 1);
      const state = decodeCheckpoint(buf).training as TrainingState;
      const attempt = async (model: Partial<ModelConfig>, config: Partial<TrainConfig>, batchSize = 16) => {
        const m = createModel(model, 4, 0);
        try {
          await train(m, syntheticData(set, batchSize), config, { resumeFrom: state });
        } finally {
          m.dispose();
        }
      };
      await expect(attempt(MODEL, { ...CONFIG, epochs: 4 })).rejects.toThrow(/epochs is 4, the run being resumed had 3/);
      await expect(attempt(MODEL, { ...CONFIG, seed: 5 })).rejects.toThrow(/seed/);
      await expect(attempt({ ...MODEL, featureMaps: [6, 16] }, CONFIG)).rejects.toThrow(/featureMaps/);
      await expect(attempt(MODEL, CONFIG, 8)).rejects.toThrow(/6 batches per epoch, the run being resumed had 3/);

      const m = createModel(MODEL, 4, 0);
      let late: (() => TrainingState) | null = null;
      await train(m, syntheticData(set, 16), { epochs: 1 }, { onEpoch: (_metrics, end) => void (late = () => end.snapshot()) });
      m.dispose();
      expect(late).not.toBeNull();
      expect(() => (late as unknown as () => TrainingState)()).toThrow(/inside onEpoch/);
    }));

  it('leaves no tensors behind: snapshot, encode, decode, resume and dispose', () =>
    run(async () => {
      const config = { ...CONFIG, mix: 'cutmix' as const };
      const before = tf.memory().numTensors;
      const buf = await firstPart(MODEL, config, 1);
      expect(tf.memory().numTensors).toBe(before);
      await resumed(buf, config);
      expect(tf.memory().numTensors).toBe(before);
      const state = decodeCheckpoint(buf).training as TrainingState;
      const m = createModel(MODEL, 4, 0);
      await expect(train(m, data(), { ...config, seed: 99 }, { resumeFrom: state })).rejects.toThrow(/seed/);
      await expect(train(m, data(), config, { resumeFrom: { ...state, optimizer: { ...state.optimizer, beta1: 0.5 } } })).rejects.toThrow(/beta1/);
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }));
});

function mapValues<T, U>(o: Readonly<Record<string, T>>, f: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
