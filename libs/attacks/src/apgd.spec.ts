import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@advlab/model';
import { apgd, apgdCheckpoints, ApgdResult } from './apgd';
import { apgdTargeted } from './apgd_targeted';
import { Classifier, modelClassifier } from './classifier';
import { AttackStep } from './core';
import { linearClassifier, quantizedClassifier, take, uniformArray, useTestBackend, deltas } from './testing';

beforeAll(useTestBackend);

describe('APGD and APGD-T invariants on a random CNN and random images', () => {
  const shape = [6, 16, 16, 3] as const;
  const d = 16 * 16 * 3;
  let classifier: Classifier;
  let dispose: () => void;
  let x: tf.Tensor4D;
  let clean: Float32Array;
  // The clean predictions, so that every image starts correctly classified and is attacked.
  let labels: Int32Array;

  beforeAll(() => {
    const model = createModel({ featureMaps: [4, 8], imageSize: 16 }, 5, 3);
    classifier = modelClassifier(model);
    // Many pixels sit exactly at 0 or 1 so that clipping to [0, 1] is exercised.
    clean = uniformArray(6 * d, 11, -0.3, 1.3).map((v) => Math.min(1, Math.max(0, v)));
    x = tf.tensor4d(clean, [...shape]);
    labels = Int32Array.from(tf.tidy(() => tf.argMax(classifier.logits(x), 1).dataSync()));
    dispose = () => {
      model.dispose();
      x.dispose();
    };
  });
  afterAll(() => dispose());

  const runs: Array<[string, () => Promise<ApgdResult>]> = [
    ['APGD-CE L-inf', () => apgd(classifier, x, labels, { loss: 'cross-entropy', steps: 8, restarts: 2, seed: 1 })],
    ['APGD-DLR L-inf', () => apgd(classifier, x, labels, { loss: 'dlr', steps: 8, seed: 2 })],
    ['APGD-CE L-inf, large eps', () => apgd(classifier, x, labels, { loss: 'cross-entropy', eps: 0.3, steps: 6, seed: 3 })],
    ['APGD targeted CE', () => apgd(classifier, x, labels, { loss: 'cross-entropy', targets: labels.map((l) => (l + 1) % 5), steps: 6, seed: 4 })],
    ['APGD targeted DLR', () => apgd(classifier, x, labels, { loss: 'dlr', targets: labels.map((l) => (l + 2) % 5), steps: 6, seed: 4 })],
    ['APGD-CE L2', () => apgd(classifier, x, labels, { norm: 'l2', loss: 'cross-entropy', steps: 8, restarts: 2, seed: 5 })],
    ['APGD-DLR L2, large eps', () => apgd(classifier, x, labels, { norm: 'l2', eps: 3, loss: 'dlr', steps: 6, seed: 6 })],
    ['APGD-T L-inf', () => apgdTargeted(classifier, x, labels, { steps: 6, targetClasses: 3, seed: 7 })],
    ['APGD-T L2', () => apgdTargeted(classifier, x, labels, { norm: 'l2', steps: 6, restarts: 2, seed: 8 })],
  ];

  it.each(runs)('%s keeps every image within its budget and in [0, 1]', async (_name, run) => {
    const r = await run();
    const adv = await take(r);
    const { linf, l2 } = deltas(adv, clean, d);
    const eps = r.settings.eps;
    expect(r.settings.norm === 'linf' ? linf : l2).toBeLessThanOrEqual(eps + 1e-5);
    expect(r.settings.norm === 'linf' ? r.maxAbsDelta : r.maxL2Delta).toBeLessThanOrEqual(eps + 1e-5);
    expect(Math.min(...adv)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...adv)).toBeLessThanOrEqual(1);
    expect(r.predictions).toHaveLength(6);
    // Success is what the predictions say: misclassified, or at the target for a targeted run.
    const goal = r.settings.targeted ? null : labels;
    if (goal) r.success.forEach((s, i) => expect(s).toBe(Number(r.predictions[i] !== goal[i])));
  });

  it('eps = 0 returns the clean images and predictions', async () => {
    for (const r of [
      await apgd(classifier, x, labels, { eps: 0, steps: 4 }),
      await apgd(classifier, x, labels, { eps: 0, norm: 'l2', loss: 'dlr', steps: 4 }),
      await apgdTargeted(classifier, x, labels, { eps: 0, steps: 3, targetClasses: 2 }),
    ]) {
      expect(deltas(await take(r), clean, d).linf).toBe(0);
      expect(Array.from(r.predictions)).toEqual(Array.from(labels));
      expect(r.success.every((s) => s === 0)).toBe(true);
    }
  });

  it('is deterministic for a seed, varies with it, and an image does not depend on its batch', async () => {
    const opts = { loss: 'dlr' as const, steps: 5, eps: 0.1 };
    const a = await take(await apgd(classifier, x, labels, { ...opts, seed: 42 }));
    const b = await take(await apgd(classifier, x, labels, { ...opts, seed: 42 }));
    const c = await take(await apgd(classifier, x, labels, { ...opts, seed: 43 }));
    expect(deltas(a, b, d).linf).toBe(0);
    expect(deltas(a, c, d).linf).toBeGreaterThan(0);
    // Images 2 and 5 attacked alone, with their ids in the full batch.
    const pair = tf.gather(x, [2, 5]) as tf.Tensor4D;
    const alone = await take(await apgd(classifier, pair, [labels[2], labels[5]], { ...opts, seed: 42, imageIds: [2, 5] }));
    pair.dispose();
    expect(deltas(alone.subarray(0, d), a.subarray(2 * d, 3 * d), d).linf).toBeLessThan(1e-6);
    expect(deltas(alone.subarray(d), a.subarray(5 * d, 6 * d), d).linf).toBeLessThan(1e-6);
  });

  it('APGD-T is deterministic for a seed and varies with it', async () => {
    const opts = { steps: 4, targetClasses: 2, eps: 0.1 };
    const a = await take(await apgdTargeted(classifier, x, labels, { ...opts, seed: 7 }));
    const b = await take(await apgdTargeted(classifier, x, labels, { ...opts, seed: 7 }));
    const c = await take(await apgdTargeted(classifier, x, labels, { ...opts, seed: 8 }));
    expect(deltas(a, b, d).linf).toBe(0);
    expect(deltas(a, c, d).linf).toBeGreaterThan(0);
  });

  it('reports every step of every run and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const frames: AttackStep[] = [];
    const onStep = (s: AttackStep) => {
      expect(s.xAdv.shape).toEqual([...shape]);
      expect(s.maxAbsDelta).toBeLessThanOrEqual(8 / 255 + 1e-6);
      expect(Number.isFinite(s.loss)).toBe(true);
      frames.push(s);
    };
    // A small eps so that no image is fooled and every run goes all the way.
    const r = await apgdTargeted(classifier, x, labels, { eps: 1e-4, steps: 3, targetClasses: 2, restarts: 2, onStep });
    r.xAdv.dispose();
    for (const [, run] of runs) (await run()).xAdv.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(r.success.every((s) => s === 0)).toBe(true);
    expect(frames.map((s) => `${s.restart}:${s.step}/${s.steps}`)).toEqual(['0:1/3', '0:2/3', '0:3/3', '1:1/3', '1:2/3', '1:3/3', '2:1/3', '2:2/3', '2:3/3', '3:1/3', '3:2/3', '3:3/3']);
  });

  it('stops on abort with the signal reason and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const ctl = new AbortController();
    let seen = 0;
    const run = apgd(classifier, x, labels, {
      eps: 1e-4,
      steps: 10,
      signal: ctl.signal,
      onStep: (s) => {
        seen = s.step;
        if (s.step === 3) ctl.abort(new Error('stopped by the user'));
      },
    });
    await expect(run).rejects.toThrow('stopped by the user');
    expect(seen).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('counts the images whose input gradient is exactly zero (a masked gradient)', async () => {
    const masked = await apgd(quantizedClassifier(classifier), x, labels, { eps: 1e-3, steps: 2, restarts: 2, seed: 1 });
    const open = await apgd(classifier, x, labels, { eps: 1e-3, steps: 2, seed: 1 });
    tf.dispose([masked.xAdv, open.xAdv]);
    // eps far below a quantisation level: nothing moves, nothing is fooled, both restarts run on all 6.
    expect(masked.zeroGradientImages).toBe(12);
    expect(open.zeroGradientImages).toBe(0);
  });

  it('rejects bad settings with messages that say what to do', async () => {
    await expect(apgd(classifier, x, labels, { rho: 1.5 })).rejects.toThrow(/rho: must be in \(0, 1\)/);
    await expect(apgd(classifier, x, labels, { steps: 0 })).rejects.toThrow(/steps: must be an integer >= 1/);
    await expect(apgd(classifier, x, labels, { imageIds: [1, 2] })).rejects.toThrow(/imageIds: expected 6 ids/);
    await expect(apgdTargeted(classifier, x, labels, { targetClasses: 0 })).rejects.toThrow(/targetClasses: must be an integer >= 1/);
    const threeClasses = linearClassifier(uniformArray(48 * 3, 1, -1, 1), new Float32Array(3), [4, 4, 3]);
    const small = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    await expect(apgdTargeted(threeClasses, small, [0])).rejects.toThrow(/needs at least 4 classes, the model has 3/);
    small.dispose();
  });

  it('caps the target classes at classes - 1', () => {
    return apgdTargeted(classifier, x, labels, { eps: 0, steps: 1 }).then((r) => {
      r.xAdv.dispose();
      expect(r.settings).toMatchObject({ attack: 'apgd-t', loss: 'dlr', targeted: false, targetClasses: 4, steps: 1, restarts: 1, stepSize: 0 });
    });
  });
});

describe('APGD on a linear model, where the optimum is known', () => {
  // Two classes; a bias no budget here can overcome keeps every image classified as 0, so APGD
  // runs all its steps and returns its highest-loss point. The margin loss of class 0,
  // z_1 - z_0, grows along w1 - w0 everywhere: the L-infinity optimum is eps * sign(w1 - w0), the
  // L2 one eps * (w1 - w0) / ||w1 - w0||. (Cross-entropy would underflow to 0 in float32 here.)
  const imageShape = [4, 4, 3] as const;
  const d = 48;
  const w = uniformArray(2 * d, 7, -1, 1);
  const diff = Float32Array.from({ length: d }, (_, i) => w[2 * i + 1] - w[2 * i]);
  const classifier = linearClassifier(w, new Float32Array([5, -5]), imageShape);
  const n = 5;
  // Pixels away from 0 and 1, so the box constraint never binds.
  const clean = uniformArray(n * d, 3, 0.1, 0.9);
  const labels = new Int32Array(n);
  let x: tf.Tensor4D;
  beforeAll(() => {
    x = tf.tensor4d(clean, [n, ...imageShape]);
  });
  afterAll(() => x.dispose());

  it('L-infinity APGD ends exactly at eps * sign(w1 - w0)', async () => {
    const eps = 8 / 255;
    const r = await apgd(classifier, x, labels, { loss: 'margin', eps, steps: 10, seed: 1 });
    expect(r.success.every((s) => s === 0)).toBe(true);
    const adv = await take(r);
    for (let i = 0; i < n * d; i++) expect(Math.abs(adv[i] - clean[i] - eps * Math.sign(diff[i % d]))).toBeLessThan(1e-6);
  });

  it('L2 APGD converges to eps * (w1 - w0) / ||w1 - w0||', async () => {
    const eps = 0.25;
    const norm = Math.hypot(...diff);
    const adv = await take(await apgd(classifier, x, labels, { norm: 'l2', loss: 'margin', eps, steps: 100, seed: 4 }));
    for (let img = 0; img < n; img++) {
      let dot = 0;
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const delta = adv[img * d + j] - clean[img * d + j];
        dot += (delta * diff[j]) / norm;
        sq += delta * delta;
      }
      expect(Math.sqrt(sq)).toBeCloseTo(eps, 4);
      expect(dot / Math.sqrt(sq)).toBeGreaterThan(0.9999);
    }
  });

  it('halves its step to close in on a maximum inside the ball', async () => {
    // A bowl: z = [0, -||x - c||^2], so the margin loss of class 0 peaks at x = c, half a budget
    // away from each image. Steps of 2 eps overshoot it; only a shrinking step gets close
    // (measured: within 5.2e-4 for L-infinity, 7e-4 for L2 on wasm, 1.3e-3 on onednn, whose sums
    // round differently; 2.5e-2 when the step never halves).
    const eps = 0.05;
    const offset = Float32Array.from({ length: n * d }, (_, i) => (i % 3 === 0 ? 0.5 : -0.5) * eps);
    const centre = tf.tensor4d(clean.map((v, i) => v + offset[i]), [n, ...imageShape]);
    const bowl: Classifier = {
      numClasses: 2,
      imageShape,
      loss: 'cross-entropy',
      logits: (v) => tf.tidy(() => tf.stack([tf.zeros([v.shape[0]]), tf.neg(tf.sum(tf.square(tf.sub(v, centre)), [1, 2, 3]))], 1) as tf.Tensor2D),
      inputGradient: (v, objective) =>
        tf.tidy(() => {
          const logits = bowl.logits(v);
          const { value, dlogits } = objective(logits);
          const grad = tf.mul(tf.reshape(tf.slice(dlogits, [0, 1], [-1, 1]), [-1, 1, 1, 1]), tf.mul(tf.sub(v, centre), -2)) as tf.Tensor4D;
          return { grad, value, logits };
        }),
    };
    for (const norm of ['linf', 'l2'] as const) {
      const r = await apgd(bowl, x, labels, { norm, loss: 'margin', eps: norm === 'linf' ? eps : 2 * eps * Math.sqrt(d), steps: 100, seed: 2 });
      const adv = await take(r);
      const worst = Math.max(...adv.map((v, i) => Math.abs(v - clean[i] - offset[i])));
      expect(worst).toBeLessThan(eps / 20);
    }
    centre.dispose();
  });

  it('checks its progress at ceil(p_j N), p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)', () => {
    // The paper's recursion, in hundredths to stay exact.
    const paper: number[] = [];
    for (let prev = 0, p = 22; p <= 100; ) {
      paper.push(p);
      [prev, p] = [p, p + Math.max(p - prev - 3, 6)];
    }
    expect(apgdCheckpoints(100)).toEqual(paper);
    expect(paper).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
    // Short runs keep the reference's integer intervals, never shorter than one step.
    expect(apgdCheckpoints(20)).toEqual([4, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(apgdCheckpoints(1)).toEqual([1]);
  });
});
