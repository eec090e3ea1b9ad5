import * as tf from '@tensorflow/tfjs-core';
import { inputGradient, LossName, Model } from '@advlab/model';

/**
 * A function of the logits `[n, classes]` that an attack climbs: its scalar value and its
 * gradient with respect to the logits (`[n, classes]`), both computed in closed form.
 */
export type LogitsObjective = (logits: tf.Tensor2D) => { value: tf.Scalar; dlogits: tf.Tensor2D };

/** Result of {@link Classifier.inputGradient}; the caller owns every tensor. */
export interface ClassifierGradient {
  /** `d objective / d x`, `[n, h, w, 3]`. */
  readonly grad: tf.Tensor4D;
  readonly value: tf.Scalar;
  /** Evaluation-mode logits `[n, classes]` at `x`. */
  readonly logits: tf.Tensor2D;
}

/**
 * What the attacks need from a model: evaluation-mode logits and the gradient of a logits
 * objective with respect to the input pixels. The CNN of `@advlab/model` fits through
 * {@link modelClassifier}; tests also use small models with hand-written gradients.
 *
 * Inputs are `[n, h, w, 3]` float32 pixels in [0, 1].
 */
export interface Classifier {
  readonly numClasses: number;
  /** `[h, w, channels]` of one input image. */
  readonly imageShape: readonly [number, number, number];
  /** The loss the model was trained with; attacks climb it unless told otherwise. */
  readonly loss: LossName;
  /** Evaluation-mode logits `[n, classes]`. */
  logits(x: tf.Tensor4D): tf.Tensor2D;
  /** Evaluation-mode input gradient of `objective`. Never changes the model. */
  inputGradient(x: tf.Tensor4D, objective: LogitsObjective): ClassifierGradient;
}

/** Options of {@link modelClassifier}. */
export interface ModelClassifierOptions {
  /** The loss the model was trained with (a checkpoint's `trainConfig.loss`). Default cross-entropy. */
  readonly loss?: LossName;
}

/**
 * The `@advlab/model` CNN as a {@link Classifier}, always in evaluation mode: batch-norm running
 * statistics, no dropout, no update of any weight or statistic.
 */
export function modelClassifier(model: Model, opts: ModelClassifierOptions = {}): Classifier {
  const size = model.config.imageSize;
  return {
    numClasses: model.numClasses,
    imageShape: [size, size, 3],
    loss: opts.loss ?? 'cross-entropy',
    logits: (x) => model.forward(x, { training: false }),
    inputGradient: (x, objective) => inputGradient(model, x, objective, { training: false }),
  };
}

/** Class indices as an Int32Array, from an array or a `[n]` tensor (read, not disposed). */
export function labelArray(labels: ArrayLike<number> | tf.Tensor1D): Int32Array {
  if (labels instanceof tf.Tensor) return Int32Array.from(labels.dataSync());
  return Int32Array.from(labels);
}

/** Throws unless `x` is `[n, h, w, c]` float32 matching the classifier and `labels` has n valid classes. */
export function checkBatch(classifier: Classifier, x: tf.Tensor4D, labels: Int32Array, what = 'labels'): void {
  const [h, w, c] = classifier.imageShape;
  if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
    throw new RangeError(`expected images [n, ${h}, ${w}, ${c}] in [0, 1], got [${x.shape}]`);
  }
  if (x.dtype !== 'float32') throw new RangeError(`expected float32 pixels in [0, 1], got ${x.dtype}`);
  if (labels.length !== x.shape[0]) throw new RangeError(`${what}: expected ${x.shape[0]} class indices (one per image), got ${labels.length}`);
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l >= classifier.numClasses) {
      throw new RangeError(`${what}: class ${l} is outside 0..${classifier.numClasses - 1}`);
    }
  }
}
