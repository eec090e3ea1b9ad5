import { ImageDataset, subsetDataset } from './dataset';
import { assertOption } from './errors';
import { createRng, permutation, shuffleInPlace } from './random';

/** Options of {@link splitDataset}. */
export interface SplitOptions {
  /** Share of images held out for validation, in [0, 1). Default 0.1 (the notebook's 90/10). */
  readonly validationFraction?: number;
  /** Default 1234, the notebook's `torch.manual_seed`. */
  readonly seed?: number;
  /** Hold out the same share of every class. Default false (a plain random split). */
  readonly stratified?: boolean;
}

/** Row indices of each side of a split, each ascending. */
export interface SplitIndices {
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

/**
 * Deterministic train/validation split of `labels.length` rows.
 *
 * Plain: like the notebook's `random_split`, `train = floor((1 - f) * N)` rows of a seeded
 * permutation, the rest validation. Stratified: each class holds out `round(f * n_c)` of its
 * `n_c` rows (never all of them), drawn with a per-class seeded shuffle.
 */
export function splitIndices(labels: ArrayLike<number>, opts: SplitOptions = {}): SplitIndices {
  const f = opts.validationFraction ?? 0.1;
  const seed = opts.seed ?? 1234;
  assertOption(f >= 0 && f < 1, () => `validationFraction must be in [0, 1), got ${f}`);
  const n = labels.length;
  const train: number[] = [];
  const validation: number[] = [];
  if (opts.stratified) {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const rows = byClass.get(labels[i]);
      if (rows) rows.push(i);
      else byClass.set(labels[i], [i]);
    }
    for (const [label, rows] of byClass) {
      shuffleInPlace(rows, createRng(seed, 1, label));
      const held = Math.min(Math.round(f * rows.length), rows.length - 1);
      validation.push(...rows.slice(0, held));
      train.push(...rows.slice(held));
    }
  } else {
    const p = permutation(n, createRng(seed, 0));
    const trainSize = Math.floor((1 - f) * n);
    train.push(...p.subarray(0, trainSize));
    validation.push(...p.subarray(trainSize));
  }
  const asc = (a: number, b: number): number => a - b;
  return { train: Int32Array.from(train.sort(asc)), validation: Int32Array.from(validation.sort(asc)) };
}

/** Splits a data set into train and validation copies; see {@link splitIndices}. */
export function splitDataset(ds: ImageDataset, opts: SplitOptions = {}): { train: ImageDataset; validation: ImageDataset } {
  const { train, validation } = splitIndices(ds.labels, opts);
  return { train: subsetDataset(ds, train), validation: subsetDataset(ds, validation) };
}
