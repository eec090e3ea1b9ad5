import { RunKind } from '@advlab/contract';
import { BestEpoch, selectionMetric } from './best-epoch';

const epoch = (e: number, val: number | null, robust?: number, train = 0.5) => ({ epoch: e, trainAccuracy: train, valAccuracy: val, robustAccuracy: robust });

describe('the best-epoch rule', () => {
  it('standard runs select on validation accuracy, adversarial runs on robust validation accuracy', () => {
    expect(selectionMetric(RunKind.RUN_KIND_TRAIN)).toBe('validation-accuracy');
    expect(selectionMetric(RunKind.RUN_KIND_ADVERSARIAL_TRAIN)).toBe('robust-validation-accuracy');
    const standard = new BestEpoch('validation-accuracy');
    [epoch(0, 0.5, 0.4), epoch(1, 0.7, 0.1), epoch(2, 0.6, 0.5)].forEach((m) => standard.consider(m));
    expect(standard.best?.epoch).toBe(1);
    const robust = new BestEpoch('robust-validation-accuracy');
    [epoch(0, 0.5, 0.4), epoch(1, 0.7, 0.1), epoch(2, 0.6, 0.5)].forEach((m) => robust.consider(m));
    expect(robust.best?.epoch).toBe(2);
    expect(robust.bestValue).toBe(0.5);
  });

  it('keeps the earlier epoch on a tie, and falls back to training accuracy without validation', () => {
    const rule = new BestEpoch('validation-accuracy');
    expect(rule.consider(epoch(0, 0.6)).improved).toBe(true);
    expect(rule.consider(epoch(1, 0.6)).improved).toBe(false);
    expect(rule.best?.epoch).toBe(0);
    const blind = new BestEpoch('validation-accuracy');
    blind.consider(epoch(0, null, undefined, 0.3));
    blind.consider(epoch(1, null, undefined, 0.4));
    expect(blind.best?.epoch).toBe(1);
  });

  it('stops after `patience` epochs in a row without improvement; 0 never stops', () => {
    const rule = new BestEpoch('validation-accuracy', 2);
    expect(rule.consider(epoch(0, 0.5)).stop).toBe(false);
    expect(rule.consider(epoch(1, 0.6)).stop).toBe(false);
    expect(rule.consider(epoch(2, 0.55)).stop).toBe(false);
    expect(rule.consider(epoch(3, 0.59)).stop).toBe(true);
    const never = new BestEpoch('validation-accuracy', 0);
    for (let e = 0; e < 10; e++) expect(never.consider(epoch(e, 0.1)).stop).toBe(false);
  });
});
