import { classCounts } from './dataset';
import { splitDataset, splitIndices } from './split';
import { randomDataset } from './testing';

describe('splitIndices', () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 600 ? 0 : i < 900 ? 1 : 2));

  it('holds out N - floor(0.9 N) rows like the notebook, disjoint and covering every row', () => {
    const { train, validation } = splitIndices(Int32Array.from({ length: 9466 }, () => 0));
    // The notebook's 9466 images gave 8519 / 947.
    expect([train.length, validation.length]).toEqual([8519, 947]);
    const all = new Set([...train, ...validation]);
    expect(all.size).toBe(9466);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = splitIndices(labels, { seed: 5 });
    expect(splitIndices(labels, { seed: 5 })).toEqual(a);
    expect(splitIndices(labels, { seed: 6 }).validation).not.toEqual(a.validation);
    expect(Array.from(a.train)).toEqual([...a.train].sort((x, y) => x - y));
  });

  it('holds out the same share of every class when stratified', () => {
    const { train, validation } = splitIndices(labels, { stratified: true, validationFraction: 0.2 });
    const count = (rows: Int32Array): number[] => classCounts({ labels: Int32Array.from(rows, (r) => labels[r]), classNames: ['a', 'b', 'c'] });
    expect(count(validation)).toEqual([120, 60, 20]);
    expect(count(train)).toEqual([480, 240, 80]);
    expect(splitIndices(labels, { stratified: true, validationFraction: 0.2 }).validation).toEqual(validation);
  });

  it('rejects a fraction outside [0, 1)', () => {
    expect(() => splitIndices(labels, { validationFraction: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('copies images and labels into each side', () => {
    const ds = randomDataset(50, 4, 5);
    const { train, validation } = splitDataset(ds, { seed: 1 });
    expect([train.count, validation.count]).toEqual([45, 5]);
    const id = (validation.ids ?? [])[0];
    const src = (ds.ids ?? []).indexOf(id);
    expect(validation.pixels.subarray(0, 48)).toEqual(ds.pixels.subarray(src * 48, src * 48 + 48));
    expect(validation.labels[0]).toBe(ds.labels[src]);
  });
});
