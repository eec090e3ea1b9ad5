import * as tf from '@tensorflow/tfjs-core';
import { LOSS_NAMES, LossName } from '@advlab/model';
import { LogitsObjective } from './classifier';

/**
 * Losses an attack can climb: the two training losses, or the margin loss of Carlini and
 * Wagner (2017), "Towards Evaluating the Robustness of Neural Networks", `max_{j != y} z_j - z_y`,
 * which does not saturate when the softmax does.
 */
export type AttackLossName = LossName | 'margin';

/** The losses {@link AttackLossName} accepts, for validation messages. */
export const ATTACK_LOSS_NAMES: readonly AttackLossName[] = [...LOSS_NAMES, 'margin'];

/**
 * Loss of each image for class `labels`, `[n]`, from logits `[n, classes]`:
 * - cross-entropy: `-log softmax(z)_y`;
 * - ova: `softplus(-z_y) + sum_{i != y} softplus(z_i)` (one sigmoid per class);
 * - margin: `max_{j != y} z_j - z_y` (positive once the image is misclassified).
 *
 * @param onehot `[n, classes]` one-hot rows of the classes.
 */
export function perImageLoss(name: AttackLossName, logits: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    switch (name) {
      case 'cross-entropy':
        return tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
      case 'ova':
        return tf.sum(tf.add(tf.mul(onehot, tf.softplus(tf.neg(logits))), tf.mul(tf.sub(1, onehot), tf.softplus(logits))), 1) as tf.Tensor1D;
      case 'margin':
        return tf.sub(tf.max(otherLogits(logits, onehot), 1), tf.sum(tf.mul(onehot, logits), 1)) as tf.Tensor1D;
    }
  });
}

/**
 * Gradient of each image's {@link perImageLoss} with respect to its logits, `[n, classes]`:
 * `softmax(z) - y` (cross-entropy), `sigmoid(z) - y` (ova), `e_j* - y` with `j*` the best other
 * class (margin).
 */
export function perImageLossGradient(name: AttackLossName, logits: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    switch (name) {
      case 'cross-entropy':
        return tf.sub(tf.softmax(logits), onehot);
      case 'ova':
        return tf.sub(tf.sigmoid(logits), onehot);
      case 'margin': {
        const best = tf.oneHot(tf.argMax(otherLogits(logits, onehot), 1), logits.shape[1]);
        return tf.sub(tf.cast(best, 'float32'), onehot);
      }
    }
  });
}

/**
 * The objective an attack climbs, summed over the batch so that each image's gradient is its
 * own loss gradient: `+loss(y)` untargeted (push away from the true class), `-loss(t)` targeted
 * (pull towards the target class).
 */
export function attackObjective(name: AttackLossName, onehot: tf.Tensor2D, targeted: boolean): LogitsObjective {
  const sign = targeted ? -1 : 1;
  return (logits) =>
    tf.tidy(() => ({
      value: tf.mul(tf.sum(perImageLoss(name, logits, onehot)), sign) as tf.Scalar,
      dlogits: tf.mul(perImageLossGradient(name, logits, onehot), sign) as tf.Tensor2D,
    }));
}

/** One-hot `[n, classes]` float32 rows of `classes`. */
export function oneHot(classes: Int32Array, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), numClasses), 'float32') as tf.Tensor2D);
}

/** Logits with the labelled class pushed far below every other. */
function otherLogits(logits: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(logits, tf.mul(onehot, 1e9));
}
