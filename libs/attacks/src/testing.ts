// Test fixtures: small classifiers with known gradients and a briefly trained CNN.
import * as tf from '@tensorflow/tfjs-core';
import { BatchLoader, ImageDataset, loadBundledDataset, subsetDataset } from '@advlab/data';
import { backendFromEnv, createModel, LabeledBatch, LossName, Model, resolveBackend, Rng, train, TrainConfig } from '@advlab/model';
import { Classifier, modelClassifier } from './classifier';

// Silences tfjs's one-time "install tfjs-node" advice in test output.
tf.env().set('PROD', true);

/**
 * Activates the backend the suite runs on, quietly: `ADVLAB_TEST_BACKEND` (CI runs the suite
 * once with `onednn`), else wasm (XNNPACK convolutions).
 */
export async function useTestBackend(): Promise<void> {
  const raw = process.env.ADVLAB_TEST_BACKEND?.trim().toLowerCase() || 'wasm';
  await resolveBackend({ prefer: backendFromEnv({ ADVLAB_BACKEND: raw }), log: () => undefined });
}

/**
 * A linear classifier `z = flatten(x) W + b` as a {@link Classifier}, with its input gradient
 * written out: `grad_x = reshape(dlogits W^T)`.
 *
 * @param weights `[h * w * c, classes]` row-major; @param bias `[classes]`.
 */
export function linearClassifier(weights: Float32Array, bias: Float32Array, imageShape: readonly [number, number, number], loss: LossName = 'cross-entropy'): Classifier {
  const d = imageShape[0] * imageShape[1] * imageShape[2];
  const k = bias.length;
  if (weights.length !== d * k) throw new RangeError(`weights: expected ${d} x ${k} values, got ${weights.length}`);
  const logits = (x: tf.Tensor4D) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [-1, d]), tf.tensor2d(weights, [d, k])), tf.tensor1d(bias)) as tf.Tensor2D);
  return {
    numClasses: k,
    imageShape,
    loss,
    logits,
    inputGradient: (x, objective) =>
      tf.tidy(() => {
        const z = logits(x);
        const { value, dlogits } = objective(z);
        const grad = tf.reshape(tf.matMul(dlogits, tf.tensor2d(weights, [d, k]), false, true), x.shape) as tf.Tensor4D;
        return { grad, value, logits: z };
      }),
  };
}

/**
 * `inner` behind an input quantisation to `levels` values per pixel, `round(x (levels - 1)) /
 * (levels - 1)`: a model with a masked gradient. Rounding is flat almost everywhere, so by the
 * chain rule the input gradient is exactly zero and gradient attacks learn nothing, while the
 * function (and a score-based attack) still sees every perturbation larger than half a level.
 */
export function quantizedClassifier(inner: Classifier, levels = 256): Classifier {
  const quantize = (x: tf.Tensor4D) => tf.div(tf.round(tf.mul(x, levels - 1)), levels - 1) as tf.Tensor4D;
  return {
    numClasses: inner.numClasses,
    imageShape: inner.imageShape,
    loss: inner.loss,
    logits: (x) => tf.tidy(() => inner.logits(quantize(x))),
    inputGradient: (x, objective) =>
      tf.tidy(() => {
        const logits = inner.logits(quantize(x));
        return { grad: tf.zerosLike(x), value: objective(logits).value, logits };
      }),
  };
}

/** Seeded uniform values in [lo, hi). */
export function uniformArray(n: number, seed: number, lo = 0, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniformRange(lo, hi));
}

/** A CNN trained briefly on part of the bundled Fashion-MNIST subset, and held-out test images. */
export interface TinyTrainedModel {
  readonly model: Model;
  readonly classifier: Classifier;
  /** Held-out images of the bundled test split (28x28). */
  readonly test: ImageDataset;
  readonly classNames: readonly string[];
}

/** Settings of {@link trainTinyModel}. */
export interface TinyTrainOptions {
  readonly trainImages?: number;
  readonly testImages?: number;
  readonly seed?: number;
  readonly train?: Partial<TrainConfig>;
}

/**
 * Trains a `[8, 16, 32]` CNN without dropout on `trainImages` class-balanced images of the bundled
 * Fashion-MNIST subset at 28x28 (a few seconds on wasm).
 */
export async function trainTinyModel(opts: TinyTrainOptions = {}): Promise<TinyTrainedModel> {
  const { train: trainSet, test } = await loadBundledDataset();
  const trainRows = evenlySpaced(trainSet.count, opts.trainImages ?? 2000);
  const testRows = evenlySpaced(test.count, opts.testImages ?? 200);
  const model = createModel(TINY_MODEL_CONFIG, trainSet.classNames.length, opts.seed ?? 1);
  const loader = new BatchLoader(subsetDataset(trainSet, trainRows), { batchSize: 16, augment: false, seed: opts.seed ?? 1 });
  const config = { epochs: 4, learningRate: 3e-3, lrSchedule: 'cosine', seed: opts.seed ?? 1, ...opts.train } as const;
  await train(model, { train: (e) => loader.trainBatches(e) }, config);
  return { model, classifier: modelClassifier(model), test: subsetDataset(test, testRows), classNames: trainSet.classNames };
}

/** The tiny test CNN: `[8, 16, 32]` feature maps, BN, skip, no dropout, 28x28. */
export const TINY_MODEL_CONFIG = { featureMaps: [8, 16, 32], dropRate: 0, batchNorm: true, useSkip: true, imageSize: 28 } as const;

/** `count` rows spread evenly over `0..total-1` (the bundled files are class-balanced, so the rows are too). */
export function evenlySpaced(total: number, count: number): Int32Array {
  const n = Math.min(total, count);
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * total) / n));
}

/** The images of `ds` as one `[n, h, w, 3]` float32 tensor in [0, 1] and their labels. */
export function datasetTensor(ds: ImageDataset): { x: tf.Tensor4D; labels: Int32Array } {
  const x = tf.tidy(() => tf.div(tf.tensor4d(ds.pixels, [ds.count, ds.height, ds.width, 3], 'int32'), 255) as tf.Tensor4D);
  return { x, labels: Int32Array.from(ds.labels) };
}

/** `ds` as batches of `batchSize` in order (each batch owned by its consumer). */
export async function* datasetBatches(ds: ImageDataset, batchSize: number): AsyncGenerator<LabeledBatch> {
  yield* new BatchLoader(ds, { batchSize, augment: false, prefetch: 0 }).evalBatches();
}

/** Reads and disposes an attack result's adversarial images. */
export async function take(r: { xAdv: tf.Tensor4D }): Promise<Float32Array> {
  const v = (await r.xAdv.data()) as Float32Array;
  r.xAdv.dispose();
  return v;
}

/** Largest `|a - b|` and largest per-image L2 norm of `a - b` over images of `d` values. */
export function deltas(a: Float32Array, b: Float32Array, d: number): { linf: number; l2: number } {
  let linf = 0;
  let l2 = 0;
  for (let i = 0; i < a.length / d; i++) {
    let sq = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      linf = Math.max(linf, Math.abs(a[j] - b[j]));
      sq += (a[j] - b[j]) ** 2;
    }
    l2 = Math.max(l2, Math.sqrt(sq));
  }
  return { linf, l2 };
}
