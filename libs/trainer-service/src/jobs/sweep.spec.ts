import { RunStatus, SweepRankBy, type SweepTrial } from '@advlab/contract';
import { MAX_SWEEP_TRIALS, rankTrials, sweepGrid } from './sweep';

describe('sweepGrid', () => {
  it('is the cartesian product of the axes, last axis fastest, over the base configs', () => {
    const points = sweepGrid({ model: { featureMaps: [8, 16], dropRate: 0.1 }, training: { epochs: 2 } }, [
      { path: 'model.feature_maps', values: ['[32,64]', '[16,32,64]'] },
      { path: 'model.use_skip', values: ['true', 'false'] },
      { path: 'training.learning_rate', values: ['0.001', '0.0005'] },
    ]);
    expect(points).toHaveLength(8);
    expect(points[0].overrides).toEqual({ 'model.feature_maps': '[32,64]', 'model.use_skip': 'true', 'training.learning_rate': '0.001' });
    expect(points[1].overrides['training.learning_rate']).toBe('0.0005');
    expect(points[7].model).toMatchObject({ featureMaps: [16, 32, 64], useSkip: false, dropRate: expect.closeTo(0.1, 6) });
    expect(points[7].training).toMatchObject({ learningRate: 0.0005, epochs: 2 });
    expect(new Set(points.map((p) => JSON.stringify(p.overrides))).size).toBe(8);
  });

  it('reaches nested fields such as the mixup alpha', () => {
    const [p] = sweepGrid({}, [{ path: 'training.augmentation.mixup.alpha', values: ['0.4'] }]);
    expect(p.training.augmentation?.mix).toEqual({ $case: 'mixup', value: { alpha: expect.closeTo(0.4, 6) } });
  });

  it('leaves optional fields unset when no axis sets them, so defaults still apply', () => {
    const [p] = sweepGrid({}, [{ path: 'training.epochs', values: ['1'] }]);
    expect(p.model.dropRate).toBeUndefined();
    expect(p.training.learningRate).toBeUndefined();
  });

  it.each([
    [[], /at least one axis/],
    [[{ path: 'optimizer.lr', values: ['1'] }], /must start with "model." or "training."/],
    [[{ path: 'training.epochs', values: [] }], /values must not be empty/],
    [[{ path: 'training.epochs', values: ['two'] }], /sweep\.axes\[0\]\.values\[0\] is not JSON: two/],
    [[{ path: 'training.epochs', values: Array.from({ length: 17 }, (_, i) => String(i)) }, { path: 'training.seed', values: Array.from({ length: 16 }, (_, i) => String(i)) }], new RegExp(`272 configurations; at most ${MAX_SWEEP_TRIALS}`)],
  ])('refuses %j', (axes, message) => {
    expect(() => sweepGrid({}, axes)).toThrow(expect.objectContaining({ code: 3, message: expect.stringMatching(message) }));
  });
});

describe('rankTrials', () => {
  const trial = (index: number, val: number, robust?: number, status = RunStatus.RUN_STATUS_SUCCEEDED): SweepTrial =>
    ({ index, total: 3, overrides: {}, runId: '', modelId: '', status, valAccuracy: val, trainAccuracy: 0, valLoss: 0, robustAccuracy: robust, rank: 0, seconds: 0 });
  it('ranks by validation accuracy, failed trials last', () => {
    const ranked = rankTrials([trial(0, 0.5), trial(1, 0.9, 0.1), trial(2, 0.99, 0, RunStatus.RUN_STATUS_FAILED)], SweepRankBy.SWEEP_RANK_BY_VAL_ACCURACY);
    expect(ranked.map((t) => [t.index, t.rank])).toEqual([[1, 1], [0, 2], [2, 3]]);
  });
  it('ranks by robust accuracy when asked', () => {
    const ranked = rankTrials([trial(0, 0.5, 0.3), trial(1, 0.9, 0.1)], SweepRankBy.SWEEP_RANK_BY_ROBUST_ACCURACY);
    expect(ranked.map((t) => t.index)).toEqual([0, 1]);
  });
});

describe('a sweep resumed from its record', () => {
  it('rebuilds the submitted grid from its first configuration and the axes', () => {
    const axes = [
      { path: 'model.feature_maps', values: ['[32,64]', '[16,32,64]'] },
      { path: 'model.use_skip', values: ['true', 'false'] },
      { path: 'training.augmentation.mixup.alpha', values: ['0.2', '0.4'] },
    ];
    const submitted = sweepGrid({ model: { featureMaps: [8], dropRate: 0.3 }, training: { epochs: 3, learningRate: 0.01 } }, axes);
    const rebuilt = sweepGrid({ model: submitted[0].model, training: submitted[0].training }, axes);
    expect(rebuilt).toEqual(submitted);
  });
});
