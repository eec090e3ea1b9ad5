import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random';
import { LabeledBatch, TrainingData } from '../train';

/** A small labelled image set held in memory: pixels `[n, size, size, 3]` in [0, 1]. */
export interface SyntheticSet {
  readonly pixels: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
  readonly numClasses: number;
}

/**
 * `perClass` images per class; class `k` is a noisy image whose colour channel `k % 3` is
 * bright in the quadrant `k % 4` (an easy but spatial task).
 */
export function syntheticSet(numClasses: number, perClass: number, size: number, seed = 0): SyntheticSet {
  const rng = new Rng(seed);
  const n = numClasses * perClass;
  const pixels = new Float32Array(n * size * size * 3);
  const labels = new Int32Array(n);
  const half = size / 2;
  for (let i = 0; i < n; i++) {
    const k = i % numClasses;
    labels[i] = k;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const quadrant = (r < half ? 0 : 2) + (c < half ? 0 : 1);
        for (let ch = 0; ch < 3; ch++) {
          const on = quadrant === k % 4 && ch === k % 3;
          pixels[((i * size + r) * size + c) * 3 + ch] = Math.min(1, Math.max(0, (on ? 0.8 : 0.2) + 0.1 * rng.normal()));
        }
      }
    }
  }
  return { pixels, labels, size, numClasses };
}

/** Batches of `set` in a seeded per-epoch order (or in order when `shuffle` is false). */
export function* batchesOf(set: SyntheticSet, batchSize: number, epoch: number, shuffle = true): Generator<LabeledBatch> {
  const n = set.labels.length;
  const order = shuffle ? new Rng(77, epoch).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  const per = set.size * set.size * 3;
  for (let start = 0; start < n; start += batchSize) {
    const rows = order.subarray(start, Math.min(n, start + batchSize));
    const px = new Float32Array(rows.length * per);
    rows.forEach((row, j) => px.set(set.pixels.subarray(row * per, (row + 1) * per), j * per));
    yield { x: tf.tensor4d(px, [rows.length, set.size, set.size, 3]), labels: Int32Array.from(rows, (row) => set.labels[row]) };
  }
}

/** A {@link TrainingData} over in-memory sets. */
export function syntheticData(train: SyntheticSet, batchSize: number, validation?: SyntheticSet): TrainingData {
  return {
    train: async function* (epoch: number) {
      yield* batchesOf(train, batchSize, epoch);
    },
    validation: validation
      ? async function* () {
          yield* batchesOf(validation, batchSize, 0, false);
        }
      : undefined,
    batchesPerEpoch: Math.ceil(train.labels.length / batchSize),
  };
}
