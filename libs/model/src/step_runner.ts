import * as tf from '@tensorflow/tfjs-core';
import { lossAndGradients, readBatchStats } from './gradients';
import { LossName } from './losses';
import { BatchStatsValues, Model } from './model';
import { NamedTensors } from './network';

/** One batch's training-mode pass, as the training loop sees it. */
export interface StepInput {
  /** `[n, size, size, 3]` pixels in [0, 1]. */
  readonly x: tf.Tensor4D;
  /** `[n, classes]` label weights. */
  readonly targets: tf.Tensor2D;
  readonly loss: LossName;
  readonly dropoutSeed: number;
}

/** Result of {@link StepRunner.run}. The caller owns `grads`. */
export interface StepOutput {
  /** Mean loss over the batch. */
  readonly loss: number;
  /** Images whose argmax logit equals the argmax of their label weights (the dominant label). */
  readonly correct: number;
  /** Gradients of the batch-mean loss, on the active backend. */
  readonly grads: NamedTensors;
  /** BN batch statistics over the whole batch. */
  readonly batchStats: Record<string, BatchStatsValues>;
}

/** Computes the loss and gradients of a batch, in this thread or spread over worker threads. */
export interface StepRunner {
  /** Threads the work is spread over (1: this thread). */
  readonly workers: number;
  run(model: Model, input: StepInput): Promise<StepOutput>;
  /** Stops worker threads, if any. */
  close(): Promise<void>;
}

/** Runs every step in the calling thread, on the active backend. */
export class LocalStepRunner implements StepRunner {
  readonly workers = 1;

  async run(model: Model, input: StepInput): Promise<StepOutput> {
    const r = lossAndGradients(model, input.x, input.targets, { loss: input.loss, dropoutSeed: input.dropoutSeed });
    const correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(r.logits, 1), tf.argMax(input.targets, 1)), 'int32')));
    const loss = (await r.loss.data())[0];
    const nCorrect = (await correct.data())[0];
    tf.dispose([r.loss, r.logits, correct]);
    return { loss, correct: nCorrect, grads: r.grads, batchStats: readBatchStats(r.batchStats) };
  }

  async close(): Promise<void> {
    // Nothing to stop.
  }
}
