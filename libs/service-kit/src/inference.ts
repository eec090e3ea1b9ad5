import { type ClassProbability, type Prediction } from '@advlab/contract';
import { type ImageDataset } from '@advlab/data';
import { lossFromLogits, oneHotTargets, probabilities, type LossName, type Model } from '@advlab/model';
import * as tf from '@tensorflow/tfjs-core';

/** Resolves after pending I/O callbacks and timers have had their turn (long loops share the server's thread). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `[n, h, w, 3]` float32 pixels in [0, 1] from uint8 NHWC bytes. */
export function pixelsToTensor(pixels: Uint8Array, n: number, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(pixels), [n, height, width, 3], 'float32'), 255) as tf.Tensor4D);
}

/** The rows [start, end) of a dataset as a tensor. */
export function datasetSlice(ds: ImageDataset, start: number, end: number): tf.Tensor4D {
  const per = ds.height * ds.width * 3;
  return pixelsToTensor(ds.pixels.subarray(start * per, end * per), end - start, ds.height, ds.width);
}

/** A prediction with the top `k` classes from one row of probabilities. */
export function toPrediction(probs: ArrayLike<number>, classNames: readonly string[], k: number): Prediction {
  const order = Array.from(probs, (p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]);
  const topK: ClassProbability[] = order.slice(0, Math.max(1, k)).map(([p, i]) => ({ classIndex: i, label: classNames[i] ?? String(i), probability: p }));
  return { classIndex: topK[0].classIndex, label: topK[0].label, confidence: topK[0].probability, topK };
}

/** Clean evaluation of a model over a dataset: loss, predictions, and probabilities. */
export interface CleanEvaluation {
  loss: number;
  predicted: Int32Array;
  /** Row-major `[n, classes]` probabilities. */
  probabilities: Float32Array;
}

/** Runs the model in evaluation mode over `ds` in batches. */
export async function evaluateClean(model: Model, loss: LossName, ds: ImageDataset, batchSize = 128, signal?: AbortSignal): Promise<CleanEvaluation> {
  const k = model.numClasses;
  const predicted = new Int32Array(ds.count);
  const probs = new Float32Array(ds.count * k);
  let lossSum = 0;
  for (let start = 0; start < ds.count; start += batchSize) {
    if (signal?.aborted) throw new Error('evaluation cancelled');
    const end = Math.min(ds.count, start + batchSize);
    const [l, p] = tf.tidy(() => {
      const logits = model.forward(datasetSlice(ds, start, end));
      const targets = oneHotTargets(ds.labels.subarray(start, end), k);
      return [lossFromLogits(loss, logits, targets), probabilities(loss, logits)] as const;
    });
    lossSum += (await l.data())[0] * (end - start);
    const pv = (await p.data()) as Float32Array;
    tf.dispose([l, p]);
    probs.set(pv, start * k);
    for (let i = 0; i < end - start; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (pv[i * k + c] > pv[i * k + best]) best = c;
      predicted[start + i] = best;
    }
    await yieldToEventLoop();
  }
  return { loss: ds.count ? lossSum / ds.count : 0, predicted, probabilities: probs };
}
