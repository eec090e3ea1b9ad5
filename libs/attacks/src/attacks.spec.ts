import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@advlab/model';
import { Classifier, modelClassifier } from './classifier';
import { AttackResult, AttackStep } from './core';
import { fgsm } from './fgsm';
import { fgsmRandomStart } from './fgsm_rs';
import { pgd } from './pgd';
import { linearClassifier, uniformArray, useTestBackend } from './testing';
import { epsLabel, formatEps } from './threat';

const EPS = 8 / 255;

beforeAll(useTestBackend);

/** Reads and disposes an attack's adversarial images. */
async function take(r: AttackResult): Promise<Float32Array> {
  const v = (await r.xAdv.data()) as Float32Array;
  r.xAdv.dispose();
  return v;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('threat labels', () => {
  it('writes budgets as k/255', () => {
    expect(epsLabel(8 / 255)).toBe('8/255');
    expect(epsLabel(0.0313)).toBe('7.98/255');
    expect(epsLabel(0)).toBe('0/255');
    expect(formatEps(8 / 255)).toBe('0.0314 (8/255)');
  });
});

describe('invariants on a random CNN and random images', () => {
  const shape = [6, 16, 16, 3] as const;
  let classifier: Classifier;
  let dispose: () => void;
  let x: tf.Tensor4D;
  let clean: Float32Array;
  const labels = [0, 1, 2, 3, 4, 0];

  beforeAll(() => {
    const model = createModel({ featureMaps: [4, 8], imageSize: 16, dropRate: 0.3 }, 5, 3);
    classifier = modelClassifier(model);
    // Many pixels sit exactly at 0 or 1 so that clipping to [0, 1] is exercised.
    clean = uniformArray(6 * 16 * 16 * 3, 11, -0.3, 1.3).map((v) => Math.min(1, Math.max(0, v)));
    x = tf.tensor4d(clean, [...shape]);
    dispose = () => {
      model.dispose();
      x.dispose();
    };
  });
  afterAll(() => dispose());

  const linfAttacks: Array<[string, () => Promise<AttackResult>]> = [
    ['fgsm', () => fgsm(classifier, x, labels)],
    ['fgsm-rs', () => fgsmRandomStart(classifier, x, labels, { seed: 5 })],
    ['pgd', () => pgd(classifier, x, labels, { steps: 5, restarts: 2, seed: 5 })],
    ['pgd margin loss', () => pgd(classifier, x, labels, { steps: 3, loss: 'margin', seed: 1 })],
    ['pgd targeted', () => pgd(classifier, x, labels, { steps: 3, targets: [1, 2, 3, 4, 0, 1], seed: 2 })],
    ['pgd large eps, large steps', () => pgd(classifier, x, labels, { eps: 0.3, stepSize: 0.1, steps: 4 })],
  ];

  it.each(linfAttacks)('%s keeps |delta| <= eps and pixels in [0, 1]', async (_name, run) => {
    const r = await run();
    const adv = await take(r);
    const eps = r.settings.eps;
    expect(maxAbsDiff(adv, clean)).toBeLessThanOrEqual(eps + 1e-6);
    expect(Math.min(...adv)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...adv)).toBeLessThanOrEqual(1);
    expect(r.maxAbsDelta).toBeLessThanOrEqual(eps + 1e-6);
    expect(r.minPixel).toBeGreaterThanOrEqual(0);
    expect(r.maxPixel).toBeLessThanOrEqual(1);
    expect(r.predictions).toHaveLength(6);
  });

  it('pgd L2 keeps every image within the L2 ball and in [0, 1]', async () => {
    const eps = 0.5;
    const r = await pgd(classifier, x, labels, { norm: 'l2', eps, steps: 6, restarts: 2, seed: 9 });
    const adv = await take(r);
    const per = 16 * 16 * 3;
    for (let i = 0; i < 6; i++) {
      let sq = 0;
      for (let j = i * per; j < (i + 1) * per; j++) sq += (adv[j] - clean[j]) ** 2;
      expect(Math.sqrt(sq)).toBeLessThanOrEqual(eps + 1e-6);
    }
    expect(r.maxL2Delta).toBeLessThanOrEqual(eps + 1e-6);
    expect(Math.min(...adv)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...adv)).toBeLessThanOrEqual(1);
  });

  it('eps = 0 returns the clean images and the clean predictions', async () => {
    const cleanPred = tf.tidy(() => tf.argMax(classifier.logits(x), 1).dataSync());
    for (const r of [await pgd(classifier, x, labels, { eps: 0, steps: 3 }), await fgsm(classifier, x, labels, { eps: 0 }), await pgd(classifier, x, labels, { eps: 0, norm: 'l2', steps: 2 })]) {
      expect(maxAbsDiff(await take(r), clean)).toBe(0);
      expect(Array.from(r.predictions)).toEqual(Array.from(cleanPred));
    }
  });

  it('is deterministic for a seed and varies with it', async () => {
    const a = await take(await pgd(classifier, x, labels, { steps: 2, seed: 42 }));
    const b = await take(await pgd(classifier, x, labels, { steps: 2, seed: 42 }));
    const c = await take(await pgd(classifier, x, labels, { steps: 2, seed: 43 }));
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
  });

  it('reports every step and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const steps: AttackStep[] = [];
    const r = await pgd(classifier, x, labels, {
      steps: 4,
      restarts: 2,
      onStep: (s) => {
        expect(s.xAdv.shape).toEqual([...shape]);
        steps.push({ ...s, xAdv: s.xAdv });
      },
    });
    r.xAdv.dispose();
    for (const run of linfAttacks) (await run[1]()).xAdv.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(steps.map((s) => `${s.restart}:${s.step}/${s.steps}`)).toEqual(['0:1/4', '0:2/4', '0:3/4', '0:4/4', '1:1/4', '1:2/4', '1:3/4', '1:4/4']);
    for (const s of steps) {
      expect(s.maxAbsDelta).toBeLessThanOrEqual(EPS + 1e-6);
      expect(Number.isFinite(s.loss)).toBe(true);
    }
  });

  it('stops on abort with the signal reason and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const ctl = new AbortController();
    let seen = 0;
    const run = pgd(classifier, x, labels, {
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

  it("climbs the classifier's own training loss unless told otherwise", async () => {
    const ova = { ...classifier, loss: 'ova' as const };
    const a = await pgd(ova, x, labels, { steps: 1 });
    const b = await pgd(ova, x, labels, { steps: 1, loss: 'cross-entropy' });
    tf.dispose([a.xAdv, b.xAdv]);
    expect(a.settings.loss).toBe('ova');
    expect(b.settings.loss).toBe('cross-entropy');
    expect(Array.from(a.losses)).not.toEqual(Array.from(b.losses));
  });

  it('rejects bad settings with messages that say what to do', async () => {
    await expect(pgd(classifier, x, labels, { eps: -1 })).rejects.toThrow(/eps: must be a number >= 0/);
    await expect(pgd(classifier, x, labels, { steps: 0 })).rejects.toThrow(/steps: must be an integer >= 1/);
    await expect(pgd(classifier, x, labels, { restarts: 1.5 })).rejects.toThrow(/restarts/);
    await expect(pgd(classifier, x, [0, 1])).rejects.toThrow(/expected 6 class indices/);
    await expect(pgd(classifier, x, [0, 1, 2, 3, 4, 9])).rejects.toThrow(/class 9 is outside 0..4/);
    await expect(fgsm(classifier, tf.zeros([1, 8, 8, 3]) as tf.Tensor4D, [0])).rejects.toThrow(/expected images \[n, 16, 16, 3\]/);
  });
});

describe('on a linear model, where the optimum is known', () => {
  // Two classes: the loss of class 0 grows along w1 - w0 everywhere, so the L-infinity optimum
  // is delta = eps * sign(w1 - w0) and the L2 optimum eps * (w1 - w0) / ||w1 - w0||.
  const imageShape = [4, 4, 3] as const;
  const d = 48;
  const w = uniformArray(2 * d, 7, -1, 1);
  const diff = Float32Array.from({ length: d }, (_, i) => w[2 * i + 1] - w[2 * i]);
  const classifier = linearClassifier(w, new Float32Array([0.1, -0.1]), imageShape);
  const n = 5;
  // Pixels away from 0 and 1, so the box constraint never binds.
  const clean = uniformArray(n * d, 3, 0.1, 0.9);
  const labels = new Int32Array(n);
  let x: tf.Tensor4D;
  beforeAll(() => {
    x = tf.tensor4d(clean, [n, ...imageShape]);
  });
  afterAll(() => x.dispose());

  const expectLinfOptimum = (adv: Float32Array) => {
    for (let i = 0; i < n * d; i++) expect(Math.abs(adv[i] - clean[i] - EPS * Math.sign(diff[i % d]))).toBeLessThan(1e-6);
  };

  it('FGSM is exactly eps * sign(w1 - w0)', async () => {
    expectLinfOptimum(await take(await fgsm(classifier, x, labels)));
  });

  it('PGD reaches the same optimum, from x and from a random start', async () => {
    expectLinfOptimum(await take(await pgd(classifier, x, labels, { randomStart: false })));
    expectLinfOptimum(await take(await pgd(classifier, x, labels, { stepSize: 0.004, seed: 1, restarts: 2 })));
  });

  it('FGSM with random start and alpha 2 also reaches it (every step saturates)', async () => {
    expectLinfOptimum(await take(await fgsmRandomStart(classifier, x, labels, { alpha: 2, seed: 3 })));
  });

  it('L2 PGD converges to eps * (w1 - w0) / ||w1 - w0||', async () => {
    const eps = 0.25;
    const norm = Math.hypot(...diff);
    for (const randomStart of [false, true]) {
      const adv = await take(await pgd(classifier, x, labels, { norm: 'l2', eps, steps: 60, stepSize: eps / 4, randomStart, seed: 4 }));
      for (let img = 0; img < n; img++) {
        let dot = 0;
        let sq = 0;
        for (let j = 0; j < d; j++) {
          const delta = adv[img * d + j] - clean[img * d + j];
          dot += (delta * diff[j]) / norm;
          sq += delta * delta;
        }
        expect(Math.sqrt(sq)).toBeCloseTo(eps, 5);
        expect(dot / Math.sqrt(sq)).toBeGreaterThan(0.9999);
      }
    }
  });

  it('refuses the DLR loss on two classes (it reads the third largest logit)', async () => {
    await expect(pgd(classifier, x, labels, { loss: 'dlr' })).rejects.toThrow(/loss: dlr needs at least 3 classes, the model has 2/);
  });

  it('a targeted attack descends the target loss: towards w_t', async () => {
    const adv = await take(await fgsm(classifier, x, labels, { targets: new Int32Array(n).fill(1) }));
    expectLinfOptimum(adv);
  });
});
