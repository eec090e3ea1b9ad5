import * as tf from '@tensorflow/tfjs-core';
import { AUTOATTACK_BUDGETS, autoAttack, AutoAttackProgress, AutoAttackResult, autoAttackSettings, formatAutoAttackReport } from './autoattack';
import { Classifier } from './classifier';
import { runAttackSpec } from './dispatch';
import { attackEvaluation, evaluateRobustness, type RobustEvalStep } from './robust';
import { linearClassifier, quantizedClassifier, uniformArray, useTestBackend } from './testing';

beforeAll(useTestBackend);

describe('AutoAttack settings', () => {
  it("standard is the reference's standard version without FAB-T; fast keeps the cascade with small budgets", () => {
    expect(AUTOATTACK_BUDGETS.standard).toEqual({
      attacks: ['apgd-ce', 'apgd-t', 'square'],
      apgdSteps: 100,
      apgdRestarts: 1,
      targetClasses: 9,
      targetedRestarts: 1,
      squareQueries: 5000,
      squarePInit: 0.8,
      squareRescaleSchedule: false,
    });
    expect(AUTOATTACK_BUDGETS.fast.attacks).toEqual(AUTOATTACK_BUDGETS.standard.attacks);
    for (const key of ['apgdSteps', 'targetClasses', 'squareQueries'] as const) expect(AUTOATTACK_BUDGETS.fast[key]).toBeLessThan(AUTOATTACK_BUDGETS.standard[key]);
    expect(autoAttackSettings()).toMatchObject({ version: 'standard', norm: 'linf', eps: 8 / 255, seed: 0 });
    expect(autoAttackSettings({ norm: 'l2', version: 'fast', budget: { squareQueries: 7 } })).toMatchObject({ eps: 0.5, budget: { ...AUTOATTACK_BUDGETS.fast, squareQueries: 7 } });
  });

  it('rejects bad settings with messages that say what to do', () => {
    expect(() => autoAttackSettings({ version: 'plus' as never })).toThrow(/version: must be one of standard, fast/);
    expect(() => autoAttackSettings({ budget: { attacks: ['apgd-ce', 'fab-t' as never] } })).toThrow(/budget.attacks\[1\]: must be one of apgd-ce, apgd-dlr, apgd-t, square/);
    expect(() => autoAttackSettings({ budget: { attacks: ['square', 'square'] } })).toThrow(/names an attack twice/);
    expect(() => autoAttackSettings({ budget: { squareQueries: 0 } })).toThrow(/budget.squareQueries: must be an integer >= 1/);
  });
});

describe('the AutoAttack cascade on a random linear model', () => {
  const shape = [8, 16, 16, 3] as const;
  const d = 16 * 16 * 3;
  const eps = 0.02;
  // Small budgets: these tests check the bookkeeping, not the strength.
  const budget = { apgdSteps: 6, targetClasses: 2, squareQueries: 30 };
  // Five classes and weights small enough that eps = 0.02 breaks some images and not others (an
  // untrained CNN's logits barely depend on its input, so nothing would break).
  const classifier: Classifier = linearClassifier(uniformArray(d * 5, 13, -0.05, 0.05), new Float32Array(5), [16, 16, 3]);
  let x: tf.Tensor4D;
  let clean: Float32Array;
  let labels: Int32Array;
  let result: AutoAttackResult;
  let adv: Float32Array;
  const progress: AutoAttackProgress[] = [];

  beforeAll(async () => {
    clean = uniformArray(8 * d, 11, -0.3, 1.3).map((v) => Math.min(1, Math.max(0, v)));
    x = tf.tensor4d(clean, [...shape]);
    // The clean predictions, but images 0 and 5 get a wrong label: they count as broken by 'clean'.
    labels = Int32Array.from(tf.tidy(() => tf.argMax(classifier.logits(x), 1).dataSync()));
    labels[0] = (labels[0] + 1) % 5;
    labels[5] = (labels[5] + 2) % 5;
    const before = tf.memory().numTensors;
    result = await autoAttack(classifier, x, labels, { eps, budget, batchSize: 3, seed: 4, onProgress: (p) => void progress.push(p) });
    adv = (await result.xAdv.data()) as Float32Array;
    result.xAdv.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
  afterAll(() => x.dispose());

  it('keeps each image within the budget and in [0, 1], and the clean image where nothing broke it', () => {
    for (let i = 0; i < 8; i++) {
      const row = adv.subarray(i * d, (i + 1) * d);
      const x0 = clean.subarray(i * d, (i + 1) * d);
      const far = Math.max(...row.map((v, j) => Math.abs(v - x0[j])));
      expect(far).toBeLessThanOrEqual(eps + 1e-6);
      if (result.brokenBy[i] === null || result.brokenBy[i] === 'clean') expect(far).toBe(0);
    }
    expect(result.maxAbsDelta).toBeLessThanOrEqual(eps + 1e-6);
    expect(result.minPixel).toBeGreaterThanOrEqual(0);
    expect(result.maxPixel).toBeLessThanOrEqual(1);
  });

  it('names what broke each image and agrees with the model on the returned images', async () => {
    expect(result.brokenBy[0]).toBe('clean');
    expect(result.brokenBy[5]).toBe('clean');
    const again = Int32Array.from(tf.tidy(() => tf.argMax(classifier.logits(tf.tensor4d(adv, [...shape])), 1).dataSync()));
    expect(Array.from(again)).toEqual(Array.from(result.predictions));
    result.brokenBy.forEach((b, i) => {
      expect(result.robust[i]).toBe(Number(b === null));
      expect(result.predictions[i] === labels[i]).toBe(b === null);
      expect(b === 'clean').toBe(result.clean[i] !== labels[i]);
    });
    expect(result.cleanAccuracy).toBe(6 / 8);
    expect(result.robustAccuracy).toBe(result.robust.reduce((a, b) => a + b, 0) / 8);
    // The first attack broke some images and left others to the next, so the bookkeeping is not vacuous.
    expect(result.stages[0].broken).toBeGreaterThan(0);
    expect(result.stages[1].attacked).toBeGreaterThan(0);
  });

  it('runs each attack only on the images still robust, in order', () => {
    expect(result.stages.map((s) => s.attack)).toEqual(['apgd-ce', 'apgd-t', 'square']);
    let robust = 6;
    for (const s of result.stages) {
      expect(s.attacked).toBe(robust);
      expect(s.broken).toBe(result.brokenBy.filter((b) => b === s.attack).length);
      robust -= s.broken;
      expect(s.robustAccuracy).toBe(robust / 8);
    }
    expect(result.stages.map((s) => s.settings)).toMatchObject([
      { attack: 'apgd', loss: 'cross-entropy', steps: 6, restarts: 1, eps, seed: 4 },
      { attack: 'apgd-t', loss: 'dlr', steps: 6, targetClasses: 2, eps, seed: 4 },
      { attack: 'square', loss: 'margin', steps: 30, eps, seed: 4 },
    ]);
  });

  it('reports progress: the clean pass, then each attack from its start, batch by batch', () => {
    expect(progress[0]).toMatchObject({ attack: 'clean', stage: -1, images: 8, robust: 6 });
    const first = result.stages[0];
    expect(progress.filter((p) => p.attack === 'apgd-ce').map((p) => p.imagesDone)).toEqual([0, 3, first.attacked]);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].robust).toBeLessThanOrEqual(progress[i - 1].robust);
      expect(progress[i].stage).toBeGreaterThanOrEqual(progress[i - 1].stage);
    }
    expect(progress[progress.length - 1]).toMatchObject({ attack: 'square', robust: result.robust.reduce((a, b) => a + b, 0) });
  });

  it('gives the same result for a seed whatever the batch size, and another for another seed', async () => {
    const other = await autoAttack(classifier, x, labels, { eps, budget, batchSize: 8, seed: 4 });
    const values = (await other.xAdv.data()) as Float32Array;
    other.xAdv.dispose();
    expect(other.brokenBy).toEqual(result.brokenBy);
    expect(Math.max(...values.map((v, j) => Math.abs(v - adv[j])))).toBeLessThan(1e-6);
    const reseeded = await autoAttack(classifier, x, labels, { eps, budget, seed: 5 });
    const moved = (await reseeded.xAdv.data()) as Float32Array;
    reseeded.xAdv.dispose();
    expect(Math.max(...moved.map((v, j) => Math.abs(v - adv[j])))).toBeGreaterThan(0);
  });

  it('at eps = 0 the robust accuracy is the clean accuracy', async () => {
    const r = await autoAttack(classifier, x, labels, { eps: 0, budget });
    r.xAdv.dispose();
    expect(r.robustAccuracy).toBe(r.cleanAccuracy);
    expect(r.maxAbsDelta).toBe(0);
  });

  it('leaks no tensor over a run of all four attacks, and none when aborted', async () => {
    const before = tf.memory().numTensors;
    const r = await autoAttack(classifier, x, labels, { eps, budget: { ...budget, attacks: ['apgd-ce', 'apgd-dlr', 'apgd-t', 'square'] }, batchSize: 5 });
    r.xAdv.dispose();
    expect(r.stages.map((s) => s.attacked > 0)).toEqual([true, true, true, true]);
    const ctl = new AbortController();
    const run = autoAttack(classifier, x, labels, { eps, budget, signal: ctl.signal, onProgress: (p) => (p.attack === 'apgd-t' ? ctl.abort(new Error('stopped by the user')) : undefined) });
    await expect(run).rejects.toThrow('stopped by the user');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('warns about zero gradients on a model with a masked gradient', async () => {
    const r = await autoAttack(quantizedClassifier(classifier), x, labels, { eps, budget });
    r.xAdv.dispose();
    // Every APGD start of APGD-CE (6 images) and of APGD-T (6 images, 2 targets) saw a zero gradient.
    expect(r.stages.map((s) => s.zeroGradientImages)).toEqual([6, 12, 0]);
    expect(r.warnings.some((w) => /^18 APGD starts had an exactly zero input gradient/.test(w))).toBe(true);
    expect(formatAutoAttackReport(r)).toContain('Warning: ');
  });

  it('runs inside evaluateRobustness with the same per-image result as on its own', async () => {
    const batches = [0, 3, 6].map((s) => ({ x: tf.slice(x, s, Math.min(3, 8 - s)) as tf.Tensor4D, labels: labels.slice(s, s + 3) }));
    const pgdSpec = { kind: 'pgd', norm: 'linf', eps, stepSize: 0.002, steps: 20, restarts: 1, randomStart: true } as const;
    const aaSpec = { ...pgdSpec, kind: 'autoattack', autoAttack: 'fast' } as const;
    const report = await evaluateRobustness(classifier, batches, { attacks: [pgdSpec, aaSpec], seed: 4 });
    const alone = await autoAttack(classifier, x, labels, { eps, version: 'fast', seed: 4 });
    alone.xAdv.dispose();
    const aa = attackEvaluation(report, 'autoattack');
    expect(aa?.accuracy).toBe(alone.robustAccuracy);
    expect(Array.from(aa?.predictions ?? [])).toEqual(Array.from(alone.predictions));
    expect(report.worstCaseAccuracy).toBeLessThanOrEqual(Math.min(attackEvaluation(report, 'pgd')?.accuracy ?? 1, alone.robustAccuracy));
    expect(report.sanityPassed).toBe(true);
    expect(aa?.title).toBe('AutoAttack (fast)');
    expect(aa?.autoAttack?.attacks).toEqual(['apgd-ce', 'apgd-t', 'square']);
    const brokenByAttacks = Object.values(aa?.autoAttack?.broken ?? {}).reduce((a, b) => a + b, 0);
    expect(brokenByAttacks).toBe(alone.brokenBy.filter((b) => b !== null && b !== 'clean').length);
  });

  it("tells evaluateRobustness's caller which attack and which member of the cascade runs, and takes a query budget for Square", async () => {
    const batches = [0, 4].map((s) => ({ x: tf.slice(x, s, 4) as tf.Tensor4D, labels: labels.slice(s, s + 4) }));
    const pgdSpec = { kind: 'pgd', norm: 'linf', eps, stepSize: 0.002, steps: 2, restarts: 1, randomStart: true } as const;
    const aaSpec = { ...pgdSpec, kind: 'autoattack', autoAttack: 'fast', squareQueries: 5 } as const;
    const steps: RobustEvalStep[] = [];
    const report = await evaluateRobustness(classifier, batches, { attacks: [pgdSpec, aaSpec], seed: 4, onAttack: (p) => void steps.push(p) });
    expect(report.attacks[1].autoAttack?.attacks).toEqual(['apgd-ce', 'apgd-t', 'square']);
    const first = steps.filter((p) => p.imagesDone === 0);
    expect(first[0]).toEqual({ attack: 0, title: 'PGD-2', stage: null, imagesDone: 0, batchImages: 4 });
    expect(first[1]).toEqual({ attack: 1, title: 'AutoAttack (fast)', stage: null, imagesDone: 0, batchImages: 4 });
    // Each member is named when it starts, in the cascade's order.
    expect([...new Set(first.map((p) => p.stage).filter((st) => st !== null))]).toEqual(['apgd-ce', 'apgd-t', 'square']);
    expect(steps.some((p) => p.imagesDone === 4 && p.attack === 1)).toBe(true);

    const settings: AutoAttackProgress[] = [];
    const r = await runAttackSpec(classifier, x, labels, aaSpec, { seed: 4, onAutoAttackProgress: (p) => void settings.push(p) });
    r.xAdv.dispose();
    expect(r.autoAttack?.settings.budget.squareQueries).toBe(5);
    expect(settings[0].attack).toBe('clean');
  });
});

describe('AutoAttack on a model with few classes', () => {
  it('skips APGD-T below 4 classes, saying so, and runs the rest', async () => {
    const classifier = linearClassifier(uniformArray(48 * 3, 5, -1, 1), new Float32Array(3), [4, 4, 3]);
    const x = tf.tensor4d(uniformArray(4 * 48, 6, 0.2, 0.8), [4, 4, 4, 3]);
    const labels = Int32Array.from(tf.tidy(() => tf.argMax(classifier.logits(x), 1).dataSync()));
    const r = await autoAttack(classifier, x, labels, { version: 'fast', budget: { attacks: ['apgd-ce', 'apgd-dlr', 'apgd-t', 'square'] } });
    tf.dispose([x, r.xAdv]);
    expect(r.stages.map((s) => s.attack)).toEqual(['apgd-ce', 'apgd-dlr', 'square']);
    expect(r.warnings).toContain('apgd-t skipped: it needs at least 4 classes, the model has 3');
  });
});
