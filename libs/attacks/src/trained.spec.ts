import * as tf from '@tensorflow/tfjs-core';
import { attackEvaluation, evaluateRobustness, formatRobustnessReport, RobustnessReport } from './robust';
import { pgd } from './pgd';
import { datasetBatches, datasetTensor, TinyTrainedModel, trainTinyModel, useTestBackend } from './testing';

// A [8, 16, 32] CNN trained for 4 epochs on 2,000 bundled Fashion-MNIST images (28x28), attacked
// on 200 held-out test images with the notebook's settings (8/255, step 0.002, 20 steps).
describe('attacks on a briefly trained CNN', () => {
  let tiny: TinyTrainedModel;
  let report: RobustnessReport;

  beforeAll(async () => {
    await useTestBackend();
    tiny = await trainTinyModel();
    const before = tf.memory().numTensors;
    // The curve follows the first attack, PGD-20, its step scaled with the budget.
    report = await evaluateRobustness(tiny.classifier, datasetBatches(tiny.test, 50), { curve: [0, 2 / 255, 4 / 255, 8 / 255], seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    console.log(formatRobustnessReport(report));
  }, 120_000);
  afterAll(() => tiny.model.dispose());

  it('learned something', () => {
    expect(report.images).toBe(200);
    expect(report.cleanAccuracy).toBeGreaterThan(0.6);
  });

  it('PGD cuts accuracy far below clean and is at least as strong as FGSM', () => {
    // Measured: clean 73.5%, FGSM 44.5%, PGD 40%.
    const pgdRun = attackEvaluation(report, 'pgd');
    const fgsmRun = attackEvaluation(report, 'fgsm');
    expect(report.attacks.map((a) => a.title)).toEqual(['PGD-20', 'FGSM']);
    const [pgdAccuracy, fgsmAccuracy] = [pgdRun?.accuracy ?? NaN, fgsmRun?.accuracy ?? NaN];
    expect(pgdAccuracy).toBeLessThan(0.6 * report.cleanAccuracy);
    expect(pgdAccuracy).toBeLessThanOrEqual(fgsmAccuracy + 0.02);
    expect(pgdRun?.successRate).toBeGreaterThan(0.35);
    expect(report.worstCaseAccuracy).toBeLessThanOrEqual(Math.min(pgdAccuracy, fgsmAccuracy));
  });

  it('runs the notebook attacks by default and passes every sanity check, per attack', () => {
    expect(report.attacks.map((a) => a.spec)).toEqual([
      { kind: 'pgd', norm: 'linf', eps: 8 / 255, stepSize: 0.002, steps: 20, restarts: 1, randomStart: true },
      { kind: 'fgsm', norm: 'linf', eps: 8 / 255, stepSize: 8 / 255, steps: 1, restarts: 1, randomStart: false },
    ]);
    for (const a of report.attacks) {
      expect(a.sanity).toMatchObject({ epsZeroMatchesClean: true, withinBudget: true, pixelsInRange: true, passed: true });
      expect(a.sanity.epsZeroAccuracy).toBe(report.cleanAccuracy);
      expect(a.sanity.maxPerturbation).toBeLessThanOrEqual(8 / 255 + 1e-6);
    }
    expect(report.sanityPassed).toBe(true);
    const text = formatRobustnessReport(report);
    expect(text).toContain('PGD-20: L-infinity eps 0.0314 (8/255), step 0.002, 1 restart');
    expect(text).toContain('200 images');
  });

  it('draws a robustness curve that starts at clean accuracy and falls with eps', () => {
    const acc = report.curve.map((c) => c.accuracy);
    expect(report.curve.map((c) => c.epsLabel)).toEqual(['0/255', '2/255', '4/255', '8/255']);
    expect(acc[0]).toBe(report.cleanAccuracy);
    for (let i = 1; i < acc.length; i++) expect(acc[i]).toBeLessThanOrEqual(acc[i - 1] + 0.02);
    expect(acc[3]).toBeCloseTo(attackEvaluation(report, 'pgd')?.accuracy ?? NaN, 1);
  });

  it('a targeted attack reaches the target far more often than chance', async () => {
    // At 8/255 this model mostly resists a fixed target (about 10%); at 16/255 it does not.
    const { x, labels } = datasetTensor(tiny.test);
    const targets = labels.map((l) => (l + 3) % 10);
    const opts = { eps: 16 / 255, stepSize: 0.004, seed: 1 };
    const targeted = await pgd(tiny.classifier, x, labels, { ...opts, targets });
    const untargeted = await pgd(tiny.classifier, x, labels, opts);
    tf.dispose([x, targeted.xAdv, untargeted.xAdv]);
    const rate = (pred: Int32Array) => pred.filter((p, i) => p === targets[i]).length / labels.length;
    const hit = rate(targeted.predictions);
    console.log(`targeted PGD at 16/255: ${(100 * hit).toFixed(1)}% of images classified as their target (untargeted: ${(100 * rate(untargeted.predictions)).toFixed(1)}%)`);
    expect(targeted.success.reduce((a, b) => a + b, 0) / labels.length).toBe(hit);
    expect(hit).toBeGreaterThan(0.2);
    expect(hit).toBeGreaterThan(rate(untargeted.predictions) + 0.1);
  });

  it('restarts keep each image at its worst case', async () => {
    const { x, labels } = datasetTensor(tiny.test);
    const one = await pgd(tiny.classifier, x, labels, { steps: 5, seed: 8 });
    const three = await pgd(tiny.classifier, x, labels, { steps: 5, seed: 8, restarts: 3 });
    tf.dispose([x, one.xAdv, three.xAdv]);
    for (let i = 0; i < labels.length; i++) {
      expect(three.success[i]).toBeGreaterThanOrEqual(one.success[i]);
      if (three.success[i] === one.success[i]) expect(three.losses[i]).toBeGreaterThanOrEqual(one.losses[i] - 1e-5);
    }
  });
});
