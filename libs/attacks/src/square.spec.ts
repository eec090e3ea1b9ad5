import * as tf from '@tensorflow/tfjs-core';
import { createModel, Rng } from '@advlab/model';
import { Classifier, modelClassifier } from './classifier';
import { AttackStep } from './core';
import { eta, square, squareFraction, SquareResult } from './square';
import { linearClassifier, take, uniformArray, useTestBackend, deltas } from './testing';

beforeAll(useTestBackend);

describe('Square invariants on a random CNN and random images', () => {
  const shape = [6, 16, 16, 3] as const;
  const d = 16 * 16 * 3;
  let classifier: Classifier;
  let dispose: () => void;
  let x: tf.Tensor4D;
  let clean: Float32Array;
  let labels: Int32Array;

  beforeAll(() => {
    const model = createModel({ featureMaps: [4, 8], imageSize: 16 }, 5, 3);
    const open = modelClassifier(model);
    // Square may only query the logits: any gradient request fails the test.
    classifier = {
      ...open,
      inputGradient: () => {
        throw new Error('Square asked for a gradient');
      },
    };
    clean = uniformArray(6 * d, 11, -0.3, 1.3).map((v) => Math.min(1, Math.max(0, v)));
    x = tf.tensor4d(clean, [...shape]);
    labels = Int32Array.from(tf.tidy(() => tf.argMax(classifier.logits(x), 1).dataSync()));
    dispose = () => {
      model.dispose();
      x.dispose();
    };
  });
  afterAll(() => dispose());

  const runs: Array<[string, () => Promise<SquareResult>]> = [
    ['L-inf', () => square(classifier, x, labels, { queries: 60, seed: 1 })],
    ['L-inf, cross-entropy, 2 restarts, large eps', () => square(classifier, x, labels, { eps: 0.3, loss: 'cross-entropy', queries: 30, restarts: 2, seed: 2 })],
    ['L-inf targeted', () => square(classifier, x, labels, { targets: labels.map((l) => (l + 1) % 5), queries: 30, seed: 3 })],
    ['L2', () => square(classifier, x, labels, { norm: 'l2', queries: 60, seed: 4 })],
    ['L2, large eps, rescaled schedule', () => square(classifier, x, labels, { norm: 'l2', eps: 4, queries: 40, rescaleSchedule: true, seed: 5 })],
  ];

  it.each(runs)('%s keeps every image within its budget and in [0, 1], using only the logits', async (_name, run) => {
    const r = await run();
    const adv = await take(r);
    const { linf, l2 } = deltas(adv, clean, d);
    const eps = r.settings.eps;
    expect(r.settings.norm === 'linf' ? linf : l2).toBeLessThanOrEqual(eps + 1e-5);
    expect(r.settings.norm === 'linf' ? r.maxAbsDelta : r.maxL2Delta).toBeLessThanOrEqual(eps + 1e-5);
    expect(Math.min(...adv)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...adv)).toBeLessThanOrEqual(1);
    // At most `queries` + 1 queries per image and restart; an image left unbroken used them all.
    const most = r.settings.restarts * (r.settings.steps + 1);
    r.queries.forEach((q, i) => {
      expect(q).toBeLessThanOrEqual(most);
      if (!r.success[i] && r.settings.restarts === 1) expect(q).toBe(most);
    });
  });

  it('eps = 0 returns the clean images and predictions', async () => {
    for (const norm of ['linf', 'l2'] as const) {
      const r = await square(classifier, x, labels, { norm, eps: 0, queries: 5 });
      expect(deltas(await take(r), clean, d).linf).toBe(0);
      expect(Array.from(r.predictions)).toEqual(Array.from(labels));
    }
  });

  it('is deterministic for a seed, varies with it, and an image does not depend on its batch', async () => {
    for (const norm of ['linf', 'l2'] as const) {
      const opts = { norm, eps: norm === 'linf' ? 0.05 : 1, queries: 20 };
      const a = await take(await square(classifier, x, labels, { ...opts, seed: 42 }));
      const b = await take(await square(classifier, x, labels, { ...opts, seed: 42 }));
      const c = await take(await square(classifier, x, labels, { ...opts, seed: 43 }));
      expect(deltas(a, b, d).linf).toBe(0);
      expect(deltas(a, c, d).linf).toBeGreaterThan(0);
      const pair = tf.gather(x, [1, 4]) as tf.Tensor4D;
      const alone = await take(await square(classifier, pair, [labels[1], labels[4]], { ...opts, seed: 42, imageIds: [1, 4] }));
      pair.dispose();
      expect(deltas(alone.subarray(0, d), a.subarray(d, 2 * d), d).linf).toBeLessThan(1e-6);
      expect(deltas(alone.subarray(d), a.subarray(4 * d, 5 * d), d).linf).toBeLessThan(1e-6);
    }
  });

  it('reports every query and leaks no tensor, and stops on abort', async () => {
    const before = tf.memory().numTensors;
    const frames: AttackStep[] = [];
    const r = await square(classifier, x, labels, {
      eps: 1e-4,
      queries: 4,
      onStep: (s) => {
        expect(s.xAdv.shape).toEqual([...shape]);
        expect(s.maxAbsDelta).toBeLessThanOrEqual(1e-4 + 1e-7);
        frames.push(s);
      },
    });
    r.xAdv.dispose();
    for (const [, run] of runs) (await run()).xAdv.dispose();
    expect(frames.map((s) => `${s.restart}:${s.step}/${s.steps}`)).toEqual(['0:1/4', '0:2/4', '0:3/4', '0:4/4']);
    const ctl = new AbortController();
    const run = square(classifier, x, labels, { eps: 1e-4, queries: 50, signal: ctl.signal, onStep: (s) => (s.step === 2 ? ctl.abort(new Error('stopped by the user')) : undefined) });
    await expect(run).rejects.toThrow('stopped by the user');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad settings with messages that say what to do', async () => {
    await expect(square(classifier, x, labels, { queries: 0 })).rejects.toThrow(/queries: must be an integer >= 1/);
    await expect(square(classifier, x, labels, { pInit: 0 })).rejects.toThrow(/pInit: must be a fraction/);
    await expect(square(classifier, x, labels, { loss: 'dlr' as never })).rejects.toThrow(/loss: Square descends the margin or the cross-entropy/);
    const tiny = linearClassifier(uniformArray(48 * 2, 1), new Float32Array(2), [4, 4, 3]);
    const small = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    await expect(square(tiny, small, [0], { norm: 'l2' })).rejects.toThrow(/too small/);
    small.dispose();
  });
});

describe('Square on a linear model, where the optimum is known', () => {
  // Two classes and a bias no budget can overcome, so every image uses every query. The margin
  // z_0 - z_1 falls fastest along w0 - w1: the best L-infinity change of it is
  // -eps * ||w1 - w0||_1 (the box never binds: pixels stay in [0.1, 0.9]).
  const imageShape = [8, 8, 3] as const;
  const d = 8 * 8 * 3;
  const w = uniformArray(2 * d, 7, -1, 1);
  const diff = Float32Array.from({ length: d }, (_, i) => w[2 * i + 1] - w[2 * i]);
  const classifier = linearClassifier(w, new Float32Array([20, -20]), imageShape);
  const n = 4;
  const clean = uniformArray(n * d, 3, 0.1, 0.9);

  it('random search reaches most of the optimal L-infinity margin change', async () => {
    const eps = 8 / 255;
    const x = tf.tensor4d(clean, [n, ...imageShape]);
    const r = await square(classifier, x, new Int32Array(n), { eps, queries: 1000, rescaleSchedule: true, seed: 1 });
    x.dispose();
    const adv = await take(r);
    const optimum = eps * diff.reduce((s, v) => s + Math.abs(v), 0);
    for (let img = 0; img < n; img++) {
      let gain = 0;
      for (let j = 0; j < d; j++) gain += (adv[img * d + j] - clean[img * d + j]) * diff[j];
      expect(gain).toBeLessThanOrEqual(optimum + 1e-4);
      // Measured: 95-98% of the optimum after 1000 queries.
      expect(gain).toBeGreaterThan(0.9 * optimum);
    }
  });
});

describe("Square's schedule and L2 pattern", () => {
  it('halves p at queries 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000 (of 10,000)', () => {
    const p = (it: number) => squareFraction(it, 0.8, 10000, false);
    expect([0, 10, 11, 50, 51, 200, 201, 500, 501, 1000, 1001, 2000, 2001, 4000, 4001, 6000, 6001, 8000, 8001, 20000].map(p)).toEqual([
      0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625, 0.00625, 0.003125, 0.003125, 0.0015625, 0.0015625,
    ]);
    // Rescaled to 1,000 queries the same halvings come ten times sooner; not rescaled they do not move.
    expect(squareFraction(15, 0.8, 1000, true)).toBe(0.2);
    expect(squareFraction(15, 0.8, 1000, false)).toBe(0.4);
    expect(squareFraction(999, 0.8, 1000, true)).toBe(0.8 / 512);
  });

  it('eta has unit norm and two halves of opposite sign, peaked at their centres', () => {
    for (const s of [1, 3, 5, 8]) {
      const rng = new Rng(s);
      for (let draw = 0; draw < 4; draw++) {
        const e = eta(s, rng);
        expect(e.reduce((a, v) => a + v * v, 0)).toBeCloseTo(1, 10);
        // Either the rows or (transposed) the columns split into a non-negative and a non-positive half.
        const half = Math.floor(s / 2);
        const byRows = e.every((v, j) => (Math.floor(j / s) < half ? v >= 0 : v <= 0));
        const byCols = e.every((v, j) => (j % s < half ? v >= 0 : v <= 0));
        expect(byRows || byCols).toBe(true);
      }
    }
    // For s = 5 the negative half is rows 2-4 (or, transposed, columns 2-4), deepest at its centre.
    const e = eta(5, new Rng(0, 1));
    const peak = e.indexOf(Math.min(...e));
    expect([3 * 5 + 2, 2 * 5 + 3]).toContain(peak);
  });
});
