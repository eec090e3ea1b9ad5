import * as tf from '@tensorflow/tfjs-core';
import { lossFromLogits, LossName, oneHotTargets, probabilities } from './losses';
import type { Model } from './model';
import type { LabeledBatch } from './train';

/** A clean evaluation: the mean loss, and every image's prediction and class probabilities. */
export interface CleanEvaluation {
  readonly loss: number;
  readonly count: number;
  readonly labels: Int32Array;
  readonly predicted: Int32Array;
  /** Row-major `[count, classes]` probabilities (softmax, or sigmoid for OVA). */
  readonly probabilities: Float32Array;
}

/**
 * Runs the model in evaluation mode over labelled batches (each disposed once used) and keeps
 * every image's prediction and probabilities. Between batches it lets the event loop run, so a
 * server answering calls meanwhile stays responsive; aborting `signal` stops it.
 */
export async function evaluateClean(model: Model, loss: LossName, batches: AsyncIterable<LabeledBatch> | Iterable<LabeledBatch>, signal?: AbortSignal): Promise<CleanEvaluation> {
  const k = model.numClasses;
  const labels: number[] = [];
  const predicted: number[] = [];
  const probs: Float32Array[] = [];
  let lossSum = 0;
  for await (const b of batches) {
    try {
      if (signal?.aborted) throw signal.reason ?? new Error('evaluation cancelled');
      const y = b.labels instanceof tf.Tensor ? Int32Array.from(b.labels.dataSync()) : Int32Array.from(b.labels);
      const [l, p] = tf.tidy(() => {
        const logits = model.forward(b.x);
        return [lossFromLogits(loss, logits, oneHotTargets(y, k)), probabilities(loss, logits)] as const;
      });
      lossSum += (await l.data())[0] * y.length;
      const pv = (await p.data()) as Float32Array;
      tf.dispose([l, p]);
      probs.push(pv);
      for (let i = 0; i < y.length; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (pv[i * k + c] > pv[i * k + best]) best = c;
        predicted.push(best);
        labels.push(y[i]);
      }
    } finally {
      b.x.dispose();
      if (b.labels instanceof tf.Tensor) b.labels.dispose();
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const all = new Float32Array(labels.length * k);
  let offset = 0;
  for (const p of probs) {
    all.set(p, offset);
    offset += p.length;
  }
  return { loss: labels.length ? lossSum / labels.length : 0, count: labels.length, labels: Int32Array.from(labels), predicted: Int32Array.from(predicted), probabilities: all };
}
