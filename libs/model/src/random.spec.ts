import { Rng } from './random';

describe('Rng', () => {
  it('is reproducible from its seeds and differs across seeds', () => {
    const a = new Rng(1, 2);
    const b = new Rng(1, 2);
    const c = new Rng(1, 3);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it.each([
    [0.4, 0.4],
    [2, 5],
    [1, 1],
  ])('Beta(%s, %s) has the right mean and variance (Marsaglia-Tsang gammas)', (a, b) => {
    const rng = new Rng(42);
    const n = 20000;
    const xs = Array.from({ length: n }, () => rng.beta(a, b));
    const mean = xs.reduce((s, v) => s + v, 0) / n;
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    expect(xs.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(mean).toBeCloseTo(a / (a + b), 2);
    expect(variance).toBeCloseTo((a * b) / ((a + b) ** 2 * (a + b + 1)), 2);
  });

  it('permutation contains every index once', () => {
    const p = new Rng(7).permutation(100);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
