import * as tf from '@tensorflow/tfjs-core';
import { AdvlabSoftmaxCrossEntropy } from './ops/kernel_names';
import { hasKernel, runKernelOutputs } from './ops/native';

/**
 * The two training losses of the notebook, on soft targets.
 *
 * Targets are label weights `[n, classes]` whose rows sum to 1: one-hot rows for plain labels,
 * mixtures for Mixup/CutMix. Both losses are means over the batch of per-example sums.
 */
export type LossName = 'cross-entropy' | 'ova';

/** The losses {@link LossName} accepts, for validation messages. */
export const LOSS_NAMES: readonly LossName[] = ['cross-entropy', 'ova'];

/**
 * Softmax cross-entropy: `mean_n( -sum_i w_ni * log softmax(z_n)_i )`.
 *
 * @param logits `[n, classes]`; @param targets `[n, classes]` label weights.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar);
}

/**
 * One-versus-all loss of the notebook (question 3.5): a sigmoid per class,
 * `-log p_y - sum_{i != y} log(1 - p_i)` with `p_i = sigmoid(z_i)`, averaged over the batch.
 *
 * Computed stably from logits: `-log sigmoid(z) = softplus(-z)`, `-log(1 - sigmoid(z)) =
 * softplus(z)`; for soft targets, `sum_i [w_i softplus(-z_i) + (1 - w_i) softplus(z_i)]`.
 *
 * @param logits `[n, classes]`; @param targets `[n, classes]` label weights.
 */
export function oneVersusAllLoss(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const pos = tf.mul(targets, tf.softplus(tf.neg(logits)));
    const neg = tf.mul(tf.sub(1, targets), tf.softplus(logits));
    return tf.mean(tf.sum(tf.add(pos, neg), 1)) as tf.Scalar;
  });
}

/** The named loss as a differentiable scalar tensor (mean over the batch). */
export function lossFromLogits(name: LossName, logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return name === 'ova' ? oneVersusAllLoss(logits, targets) : softmaxCrossEntropy(logits, targets);
}

/**
 * Gradient of the named batch-mean loss with respect to the logits, in closed form:
 * `(softmax(z) - w) / n` for cross-entropy, `(sigmoid(z) - w) / n` for OVA.
 */
export function lossGradient(name: LossName, logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(tf.sub(probabilities(name, logits), targets), logits.shape[0]) as tf.Tensor2D);
}

/**
 * The named loss and its logits gradient together ({@link lossFromLogits} and
 * {@link lossGradient}); cross-entropy is one kernel on backends with
 * `AdvlabSoftmaxCrossEntropy` (onednn).
 */
export function lossWithGradient(name: LossName, logits: tf.Tensor2D, targets: tf.Tensor2D): { loss: tf.Scalar; dlogits: tf.Tensor2D } {
  if (name === 'cross-entropy' && hasKernel(AdvlabSoftmaxCrossEntropy)) {
    const [loss, dlogits] = runKernelOutputs(AdvlabSoftmaxCrossEntropy, { logits, targets });
    return { loss: loss as tf.Scalar, dlogits: dlogits as tf.Tensor2D };
  }
  return { loss: lossFromLogits(name, logits, targets), dlogits: lossGradient(name, logits, targets) };
}

/**
 * Class scores matching the loss: softmax for cross-entropy (rows sum to 1), independent
 * sigmoids for OVA (each in (0, 1)). Either way the predicted class is the argmax.
 */
export function probabilities(name: LossName, logits: tf.Tensor2D): tf.Tensor2D {
  return name === 'ova' ? tf.sigmoid(logits) : tf.softmax(logits);
}

/** One-hot label weights `[n, numClasses]` from class indices. */
export function oneHotTargets(labels: ArrayLike<number> | tf.Tensor1D, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => {
    const idx = labels instanceof tf.Tensor ? tf.cast(labels, 'int32') : tf.tensor1d(Array.from(labels), 'int32');
    return tf.cast(tf.oneHot(idx as tf.Tensor1D, numClasses), 'float32') as tf.Tensor2D;
  });
}
