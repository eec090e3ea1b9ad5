import * as tf from '@tensorflow/tfjs-core';
import { AugmentOptions, augmentBatch, sampleAugmentParams } from './augment';
import { ImageDataset, imageBytes } from './dataset';
import { assertOption } from './errors';
import { createRng, permutation } from './random';

/**
 * One batch of images.
 *
 * - `x`: `[n, h, w, 3]` float32, NHWC, in [0, 1]. The consumer owns it and disposes it.
 * - `labels`: `n` class indices.
 * - `indices`: the `n` rows of the data set the batch holds.
 */
export interface Batch {
  readonly x: tf.Tensor4D;
  readonly labels: Int32Array;
  readonly indices: Int32Array;
}

/** Options of {@link BatchLoader}. */
export interface BatchLoaderOptions {
  /** Default 32, as in the notebook. */
  readonly batchSize?: number;
  /** Seeds the per-epoch shuffle and the augmentation draws. Default 1234. */
  readonly seed?: number;
  /** Training augmentation; `false` turns it off. Default: flip p=0.5, jitter 0.2/0.2/0.2. */
  readonly augment?: AugmentOptions | false;
  /** Batches prepared ahead of the one being consumed. Default 2. */
  readonly prefetch?: number;
  /** Drop the last, smaller training batch. Default false (as PyTorch's DataLoader). */
  readonly dropLast?: boolean;
}

/**
 * Serves a data set as tensor batches.
 *
 * `trainBatches(epoch)` shuffles with a permutation seeded by `(seed, epoch)` and augments
 * every batch with draws seeded by `(seed, epoch, batch)`, so an epoch is the same batch for
 * batch on every run, whatever the prefetch depth. `evalBatches()` keeps the data set order
 * and never augments. Both prepare the next `prefetch` batches while the consumer works on
 * the current one (between its awaits), and dispose what they prepared when the consumer
 * stops early (`break` out of `for await`). Each yielded `x` must be disposed by the consumer.
 */
export class BatchLoader {
  readonly batchSize: number;
  private readonly seed: number;
  private readonly augment: AugmentOptions | false;
  private readonly prefetch: number;
  private readonly dropLast: boolean;

  constructor(
    readonly dataset: ImageDataset,
    opts: BatchLoaderOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 32;
    this.seed = opts.seed ?? 1234;
    this.augment = opts.augment ?? {};
    this.prefetch = opts.prefetch ?? 2;
    this.dropLast = opts.dropLast ?? false;
    assertOption(Number.isInteger(this.batchSize) && this.batchSize >= 1, () => `batchSize must be a positive integer, got ${this.batchSize}`);
    assertOption(Number.isInteger(this.prefetch) && this.prefetch >= 0, () => `prefetch must be a non-negative integer, got ${this.prefetch}`);
    assertOption(dataset.count > 0, () => 'the data set is empty');
  }

  /** Number of batches `trainBatches` yields per epoch. */
  get batchesPerEpoch(): number {
    const n = this.dataset.count / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** Shuffled, augmented batches of epoch `epoch` (0-based). */
  trainBatches(epoch: number): AsyncGenerator<Batch> {
    const order = permutation(this.dataset.count, createRng(this.seed, 0, epoch));
    const augment = this.augment;
    return prefetched(this.batchesPerEpoch, this.prefetch, (b) => {
      const rows = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
      const batch = this.makeBatch(rows);
      if (!augment) return batch;
      const params = sampleAugmentParams(rows.length, augment, createRng(this.seed, 1, epoch, b));
      const x = augmentBatch(batch.x, params);
      batch.x.dispose();
      return { ...batch, x };
    });
  }

  /** Batches in data set order, without augmentation; the last one may be smaller. */
  evalBatches(): AsyncGenerator<Batch> {
    const n = this.dataset.count;
    return prefetched(Math.ceil(n / this.batchSize), this.prefetch, (b) => {
      const rows = new Int32Array(Math.min(this.batchSize, n - b * this.batchSize));
      for (let k = 0; k < rows.length; k++) rows[k] = b * this.batchSize + k;
      return this.makeBatch(rows);
    });
  }

  /** The images at `rows` as a `[rows.length, h, w, 3]` float32 tensor in [0, 1], unaugmented. */
  makeBatch(rows: Int32Array): Batch {
    const ds = this.dataset;
    const bytes = imageBytes(ds);
    const data = new Float32Array(rows.length * bytes);
    const labels = new Int32Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const src = ds.pixels.subarray(rows[k] * bytes, (rows[k] + 1) * bytes);
      const base = k * bytes;
      for (let j = 0; j < bytes; j++) data[base + j] = src[j] / 255;
      labels[k] = ds.labels[rows[k]];
    }
    return { x: tf.tensor4d(data, [rows.length, ds.height, ds.width, 3]), labels, indices: Int32Array.from(rows) };
  }
}

/**
 * Yields `make(0) .. make(count-1)`, keeping up to `depth` later batches prepared: after each
 * yield the next ones are made in `setImmediate` callbacks, which run while the consumer awaits.
 */
async function* prefetched(count: number, depth: number, make: (i: number) => Batch): AsyncGenerator<Batch> {
  const ready = new Map<number, Batch>();
  let produced = 0;
  let failure: { error: unknown } | null = null;
  let timer: NodeJS.Immediate | null = null;
  const pump = (): void => {
    timer = null;
    if (failure || produced >= count || ready.size >= depth) return;
    try {
      // Kept, so that a scope the consumer has open across an await does not dispose it.
      const batch = make(produced);
      tf.keep(batch.x);
      ready.set(produced, batch);
      produced++;
      timer = setImmediate(pump);
    } catch (error) {
      failure = { error };
    }
  };
  try {
    for (let i = 0; i < count; i++) {
      if (failure) throw (failure as { error: unknown }).error;
      let batch = ready.get(i);
      if (batch) {
        ready.delete(i);
      } else {
        batch = make(i);
        produced = i + 1;
      }
      if (!timer && depth > 0) timer = setImmediate(pump);
      yield batch;
    }
  } finally {
    if (timer) clearImmediate(timer);
    for (const b of ready.values()) b.x.dispose();
    ready.clear();
  }
}
